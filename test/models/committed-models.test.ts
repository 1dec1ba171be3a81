// The committed models are what the worker serves: each must pass the manifest schema, match its
// sha256, be listed in models/index.json, and still compute what its manifest says it does.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ManifestSchema, ModelIndexSchema } from '../../worker/contract/manifest';

const index = ModelIndexSchema.parse(JSON.parse(readFileSync('models/index.json', 'utf8')));

describe.each(index.models)('committed model %s', (name) => {
  const manifest = ManifestSchema.parse(
    JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8')),
  );
  const bytes = readFileSync(join('models', name, manifest.onnx.file));

  it('has the sha256 and size its manifest records', () => {
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.onnx.sha256);
    expect(bytes.byteLength).toBe(manifest.onnx.bytes);
  });

  it('loads in onnxruntime-node with the declared input and outputs', async () => {
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([manifest.input.name]);
    for (const out of Object.values(manifest.outputs)) expect(session.outputNames).toContain(out.name);
    // Two rows of the declared input: images at mid-grey, or token ids (3 = the first real word).
    const width = manifest.input.shape[1];
    const fill = manifest.input.layout === 'token-ids' ? 3 : 0.25;
    const x = new ort.Tensor('float32', new Float32Array(2 * width).fill(fill), [2, width]);
    const result = await session.run({ [manifest.input.name]: x });
    for (const out of Object.values(manifest.outputs)) {
      expect(result[out.name]!.dims).toEqual([2, ...out.shape]);
    }
    await session.release();
  });

  it('records how it was trained and how it scored', () => {
    expect(manifest.training.command).toMatch(/^npm run train -- /);
    expect(Object.keys(manifest.metrics).length).toBeGreaterThan(0);
  });
});
