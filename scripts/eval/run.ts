// What the parts of `npm run eval` share: the run's settings, where pictures go, and what one part
// learns that another reports (confusion matrices, which encoder a probe probes, test-set sizes).
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Dataset } from '../../train/data/dataset';

export const SEED = 1;
/** Label shares of the linear probes. */
export const FRACTIONS = [0.01, 0.1, 1];
export const DATASETS = ['fashion-mnist', 'mnist'] as const;

export interface Splits {
  train: Dataset;
  test: Dataset;
}

/** One line of the report's tables: a model (or the pixel baseline) and what it scored. */
export interface Row {
  model: string;
  dataset: string;
  metrics: Record<string, number>;
}

export interface EvalRun {
  quick: boolean;
  modelsDir: string;
  probeEpochs: number;
  log(line: string): void;
  /** Writes a picture under the reports directory; returns its link, relative to the report. */
  writeReport(file: string, content: string | Uint8Array): string;
  /** The link, relative to the report, of a picture under the reports directory. */
  link(file: string): string;
  /** The test confusion of each embedding's all-labels probe, by model (`pixels-<dataset>` for pixels). */
  confusions: Map<string, number[][]>;
  /** Classifier model → the encoder model it probes. */
  probeEncoders: Map<string, string>;
  /** Dataset → its test-set size, formatted. */
  testCounts: Map<string, string>;
}

export function evalRun(options: {
  quick: boolean;
  modelsDir: string;
  out: string;
  reportsDir: string;
}): EvalRun {
  const { quick, modelsDir, out, reportsDir } = options;
  return {
    quick,
    modelsDir,
    probeEpochs: quick ? 5 : 30,
    log: (line) => console.error(line),
    writeReport(file, content) {
      writeFileSync(join(reportsDir, file), content);
      return this.link(file);
    },
    link(file) {
      // Relative to the report file, so the links work on GitHub and locally.
      return relative(dirname(out), join(reportsDir, file));
    },
    confusions: new Map(),
    probeEncoders: new Map(),
    testCounts: new Map(),
  };
}
