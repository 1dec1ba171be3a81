// `npm run eval -- --quick` end to end on a tiny model trained here: it must run every committed
// model through ONNX and write the report's tables and pictures.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber, markdownTable } from '../../scripts/eval/markdown';

const dir = mkdtempSync(join(tmpdir(), 'pretext-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsx = (args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('report formatting', () => {
  it('prints a perfect PSNR as ∞ and a missing value as –', () => {
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(0.12345, 2)).toBe('0.12');
  });
  it('escapes pipes in table cells', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n|---|---:|\n| x\\|y | 1 |');
  });
});

describe('npm run eval -- --quick', () => {
  it('evaluates a committed model from its ONNX graph and writes tables and pictures', () => {
    const models = join(dir, 'models');
    tsx([
      'train/cli.ts',
      'ae',
      '--epochs',
      '1',
      '--train-limit',
      '256',
      '--hidden',
      '32',
      '--name',
      'tiny-ae',
      '--models-dir',
      models,
      '--runs-dir',
      join(dir, 'runs'),
      '--no-progress',
      '--backend',
      'wasm',
    ]);
    const out = join(dir, 'EVALUATION.md');
    const reports = join(dir, 'reports');
    tsx([
      'scripts/eval.ts',
      '--quick',
      '--datasets',
      'mnist',
      '--models-dir',
      models,
      '--out',
      out,
      '--reports-dir',
      reports,
    ]);
    const report = readFileSync(out, 'utf8');
    expect(report).toMatch(/^# Evaluation/);
    expect(report).toContain('npm run eval -- --quick');
    expect(report).toMatch(/\| pixels \(mnist\) \| 0\.\d{3} \| 0\.\d{3} \|/);
    expect(report).toMatch(/\| tiny-ae \| 0\.\d{5} \| \d+\.\d{2} \|/); // reconstruction MSE and PSNR
    expect(report).toContain('*k-means on pixels* [DEC]');
    // Nearest neighbours: pixels searched like an index; a model without one is named, with the command.
    expect(report).toContain('## Nearest neighbours (`/v1/neighbors`)');
    expect(report).toMatch(/\| pixels \| 784 \| \d+ KiB \| 0\.\d{3} \| (0\.\d{3}|1\.000) \| \d+\.\d{2} \|/);
    expect(report).toContain('| tiny-ae (no index: npm run models:index -- tiny-ae) | 32 |');
    expect(report).toContain('](reports/reconstructions-tiny-ae.png)');
    for (const picture of [
      'reconstructions-tiny-ae.png',
      'embedding-tiny-ae.svg',
      'loss-tiny-ae.svg',
      'label-efficiency-mnist.svg',
    ]) {
      expect(existsSync(join(reports, picture)), picture).toBe(true);
    }
  });
});
