// The memory budget charges each session twice its graph plus 256 KiB (worker/serving/memory-budget.ts).
// Measured here with onnxruntime-web's wasm on Node, the worker's build (./heap-per-session.ts, one fresh
// process per graph): float and int8 graphs of each kind the committed models have, the largest among
// them. What a session holds must stay within its charge, or the budget would let the heap outgrow it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sessionCharge } from '../../worker/serving/memory-budget';

const REPO_ROOT = join(import.meta.dirname, '../..');
const GRAPHS = [
  'models/fmnist-vae/model.onnx', // the largest graph: dense layers
  'models/fmnist-vae/generator.q8.onnx',
  'models/fmnist-mlp-ae/model.q8.onnx',
  'models/fmnist-conv-ae/model.onnx', // convolutions and their transposes
  'models/fmnist-conv-ae/model.q8.onnx',
  'models/fmnist-rotnet/model.onnx', // a small conv encoder with batch norm: the fixed overhead shows
  'models/fmnist-rotnet/model.q8.onnx',
  'models/fmnist-pca-32/model.onnx',
  'models/fortunes-text/model.onnx', // the text transformer
];

describe('a session charge (twice its graph, plus 256 KiB)', () => {
  it.each(GRAPHS)('covers what ORT holds for a session of %s', async (path) => {
    const { stdout } = await promisify(execFile)(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['test/models/heap-per-session.ts', path],
      { cwd: REPO_ROOT },
    );
    const { perSession } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { perSession: number | null };
    const size = readFileSync(join(REPO_ROOT, path)).byteLength;
    expect(perSession, 'the heap grew fewer than twice').not.toBeNull();
    expect(perSession!).toBeGreaterThan(0);
    expect(perSession!, `${path}: ${(perSession! / size).toFixed(2)}× its graph`).toBeLessThanOrEqual(
      sessionCharge(size),
    );
  });
});
