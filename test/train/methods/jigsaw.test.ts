import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnnx } from '../../../train/export/parity';
import { jigsaw } from '../../../train/methods/jigsaw';
import { JIGSAW_PERMUTATIONS, shuffleTiles } from '../../../worker/contract/jigsaw';
import { DOWNSTREAM_METRICS, type SmokeRun, smokeRun } from './ssl-support';

describe('jigsaw method: three epochs on 1,024 digits, export, manifest', () => {
  let run: SmokeRun;
  beforeAll(async () => {
    run = await smokeRun(jigsaw, 'tiny-jigsaw', { trainLimit: 1024, epochs: 3, convFilters: [8, 16] });
  });
  afterAll(() => rmSync(run.dir, { recursive: true, force: true }));

  it('writes a valid manifest with the permutation role, the embedding and parity ≤ 1e-4', () => {
    const m = run.manifest;
    expect(m).toMatchObject({ method: 'jigsaw', tasks: ['jigsaw', 'embed'] });
    expect(m.outputs).toEqual({
      permutationProbabilities: { name: 'permutationProbabilities', shape: [24] },
      embedding: { name: 'embedding', shape: [16] },
    });
    expect(m.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(m.training).toMatchObject({ epochs: 3, steps: 48 });
    for (const key of ['jigsawAccuracy', ...DOWNSTREAM_METRICS]) {
      expect(m.metrics[key], key).toBeGreaterThanOrEqual(0);
      expect(m.metrics[key], key).toBeLessThanOrEqual(1);
    }
    expect(run.tensors.after).toBe(run.tensors.before);
  });

  it('learned the pretext task: test permutation accuracy far above chance (1/24)', () => {
    // Measured 0.44 for this run; a model that learned nothing is at 1/24 ≈ 0.042 (the committed
    // global-average-pooling model was).
    expect(run.manifest.metrics.jigsawAccuracy).toBeGreaterThan(0.2);
  });

  it('the ONNX graph scores the 24 permutations of a shuffled image', async () => {
    const image = Float32Array.from({ length: 784 }, (_, i) => ((i * 7) % 11) / 10);
    const x = shuffleTiles(image, JIGSAW_PERMUTATIONS[13]!);
    const out = await runOnnx(run.onnx, { x: { data: x, shape: [1, 784] } });
    expect(out.permutationProbabilities!.length).toBe(24);
    expect(out.permutationProbabilities!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });
});
