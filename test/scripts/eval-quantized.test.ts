// The report's int8 section (scripts/eval/quantized-section.ts): fp32 and q8 of a committed model on the
// same test images, and the verdict against the targets (accuracy within 0.5 points, error within 5 %).
import { describe, expect, it } from 'vitest';
import {
  type QuantizedRow,
  quantizedRows,
  quantizedSection,
  withinTarget,
} from '../../scripts/eval/quantized-section';
import { evalRun } from '../../scripts/eval/run';
import { loadMnist } from '../../train/data/mnist';
import { spreadSubset } from '../../train/data/subset';
import { loadCommittedModel } from '../../train/eval/report/committed-model';

const run = evalRun({ quick: true, modelsDir: 'models', out: '/tmp/EVALUATION.md', reportsDir: '/tmp' });

describe('the int8 section of npm run eval', () => {
  it('scores a committed model in fp32 and q8 on the same images', async () => {
    const { train, test } = loadMnist();
    const model = await loadCommittedModel('models', 'mnist-mlp-ae');
    await model.release();
    const rows = await quantizedRows(run, model.manifest, {
      train: spreadSubset(train, 1000),
      test: spreadSubset(test, 300),
    });
    expect(rows.map((r) => [r.model, r.metric, r.kind])).toEqual([
      ['mnist-mlp-ae', 'mse', 'error'],
      ['mnist-mlp-ae', 'knnAccuracy', 'accuracy'],
    ]);
    const mse = rows[0]!;
    expect(mse.q8).not.toBe(mse.fp32); // really another graph
    expect(mse.q8 / mse.fp32).toBeLessThan(1.05);
  });

  it('judges each change against its target, and says so in the table', () => {
    const rows: QuantizedRow[] = [
      { model: 'a', metric: 'mse', fp32: 0.01, q8: 0.0104, kind: 'error' },
      { model: 'a', metric: 'mse', fp32: 0.01, q8: 0.0106, kind: 'error' },
      { model: 'b', metric: 'rotationAccuracy', fp32: 0.9, q8: 0.896, kind: 'accuracy' },
      { model: 'b', metric: 'rotationAccuracy', fp32: 0.9, q8: 0.894, kind: 'accuracy' },
    ];
    expect(rows.map(withinTarget)).toEqual([true, false, true, false]);
    const lines = quantizedSection(run, rows);
    expect(lines).toContain('| a | mse | 0.01000 | 0.01040 | +4.00 % | yes |');
    expect(lines).toContain('| b | rotationAccuracy | 0.9000 | 0.8940 | -0.60 points | **no** |');
    expect(lines).toContain('Within target: 2 of 4 metrics.');
  });
});
