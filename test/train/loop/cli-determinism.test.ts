// The training CLI in real child processes, on a small conv + batch-norm model (RotNet on 512
// Fashion-MNIST images, or the MNIST sample where Fashion-MNIST is not installed):
// - the same seed and thread count give the same model.onnx, byte for byte;
// - one kernel thread gives the loss curve of two;
// - a run killed with SIGKILL after a checkpoint and continued with --resume ends with exactly the
//   model.onnx of a run that never stopped (with two threads), as the README promises.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistDir } from '../../../train/data/fashion-mnist';

const dir = mkdtempSync(join(tmpdir(), 'pretext-cli-'));
const dataset = existsSync(join(fashionMnistDir({}), 'train-images-idx3-ubyte.gz'))
  ? 'fashion-mnist'
  : 'mnist';

function args(name: string, threads: number, extra: string[] = []): string[] {
  return [
    '--import',
    'tsx',
    'train/cli.ts',
    'rotnet',
    '--name',
    name,
    '--dataset',
    dataset,
    '--train-limit',
    '512',
    '--test-limit',
    '64',
    '--epochs',
    '2',
    '--batch-size',
    '16',
    '--probe-epochs',
    '0',
    '--checkpoint-every',
    '10',
    '--threads',
    String(threads),
    '--models-dir',
    join(dir, 'models'),
    '--runs-dir',
    join(dir, 'runs'),
    '--no-progress',
    ...extra,
  ];
}

function start(argv: string[]): ChildProcess {
  return spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

async function train(name: string, threads: number, extra: string[] = []): Promise<void> {
  const r = await finished(start(args(name, threads, extra)));
  if (r.code !== 0) throw new Error(`train ${name} exited ${r.code}:\n${r.stderr}`);
}

const onnx = (name: string) => readFileSync(join(dir, 'models', name, 'model.onnx'));
const stepLosses = (name: string): number[] =>
  readFileSync(join(dir, 'runs', name, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((r) => r.type === 'step')
    .map((r) => r.loss);

beforeAll(async () => {
  // The reference runs, two at a time (each with its own kernel threads).
  await Promise.all([train('two-a', 2), train('two-b', 2)]);
  await train('one', 1);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run train (child processes)', () => {
  it('gives identical model.onnx bytes for the same seed and thread count', () => {
    expect(onnx('two-a').length).toBeGreaterThan(100_000);
    expect(Buffer.compare(onnx('two-a'), onnx('two-b'))).toBe(0);
    expect(stepLosses('two-a')).toEqual(stepLosses('two-b'));
  });

  it('gives the loss curve of two kernel threads with one', () => {
    const one = stepLosses('one');
    const two = stepLosses('two-a');
    expect(one).toHaveLength(64);
    for (const [i, loss] of one.entries())
      expect(Math.abs(loss - two[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, loss));
    // It learned: the last steps' loss is well below ln 4, the loss of guessing among the rotations.
    expect(two.slice(-8).reduce((a, b) => a + b, 0) / 8).toBeLessThan(0.8 * Math.log(4));
  });

  it('resumes a run killed with SIGKILL after a checkpoint to the bytes of an uninterrupted one', async () => {
    const state = join(dir, 'runs', 'killed', 'checkpoint', 'state.json');
    const child = start(args('killed', 2));
    const exit = finished(child);
    // Kill as soon as the first periodic checkpoint (step 10) is on disk, mid-epoch.
    while (!existsSync(state)) {
      const r = await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 20))]);
      if (r) throw new Error(`the run ended before its first checkpoint: ${JSON.stringify(r)}`);
    }
    child.kill('SIGKILL');
    const killed = await exit;
    expect(killed.signal).toBe('SIGKILL');
    const at = JSON.parse(readFileSync(state, 'utf8')).position.step as number;
    expect(at).toBeGreaterThanOrEqual(10);
    expect(at).toBeLessThan(64);
    expect(existsSync(join(dir, 'models', 'killed', 'model.onnx'))).toBe(false);

    await train('killed', 2, ['--resume']);
    expect(Buffer.compare(onnx('killed'), onnx('two-a'))).toBe(0);
    expect(stepLosses('killed')).toEqual(stepLosses('two-a'));
  }, 300_000);
});
