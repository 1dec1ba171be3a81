import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../train/data/dataset';
import {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  fashionMnistDir,
  loadFashionMnist,
  loadFashionMnistSplit,
} from '../../../train/data/fashion-mnist';
import { gzip, idxImages, idxLabels } from './idx-fixtures';

let dir: string;

/** The four official file names, gzipped unless `raw`. */
async function writeOfficialFiles(target: string, options: { raw?: boolean; trainCount?: number } = {}) {
  const pack = options.raw ? (b: Uint8Array) => b : gzip;
  const suffix = options.raw ? '' : '.gz';
  const trainCount = options.trainCount ?? 4;
  await mkdir(target, { recursive: true });
  await writeFile(join(target, `train-images-idx3-ubyte${suffix}`), pack(idxImages(trainCount)));
  await writeFile(
    join(target, `train-labels-idx1-ubyte${suffix}`),
    pack(idxLabels([9, 0, 3, 7].slice(0, trainCount))),
  );
  await writeFile(join(target, `t10k-images-idx3-ubyte${suffix}`), pack(idxImages(2)));
  await writeFile(join(target, `t10k-labels-idx1-ubyte${suffix}`), pack(idxLabels([5, 8])));
}

/** Messages name the temporary folder; pin them with a stable placeholder. */
const messageOf = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return (error as Error).message.replaceAll(dir, '<dir>');
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fashion-mnist-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadFashionMnist', () => {
  it('should load both splits from the four gzip files, ink = pixel / 255', async () => {
    await writeOfficialFiles(dir);
    const { train, test } = await loadFashionMnist({ dir });
    expect([train.name, train.count, train.images.length, [...train.labels]]).toEqual([
      'fashion-mnist-train',
      4,
      4 * 784,
      [9, 0, 3, 7],
    ]);
    expect([test.name, test.count, [...test.labels]]).toEqual(['fashion-mnist-test', 2, [5, 8]]);
    expect(train.images[784 + 1]).toBeCloseTo(20 / 255, 7);
    expect(train.classNames[9]).toBe('Ankle boot');
  });

  it('should load uncompressed files as well', async () => {
    await writeOfficialFiles(dir, { raw: true });
    const test = await loadFashionMnistSplit('t10k', { dir });
    expect(test.count).toBe(2);
  });

  it('should name the missing file and say how to get it', async () => {
    await writeOfficialFiles(dir);
    await rm(join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(await messageOf(loadFashionMnist({ dir }))).toMatchInlineSnapshot(
      `"Fashion-MNIST file t10k-labels-idx1-ubyte(.gz) is missing in <dir>. Get Fashion-MNIST with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files land in /usr/share/datasets/fashion-mnist), or download the four official IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir <dir> (or set PRETEXT_FASHION_MNIST_DIR)."`,
    );
  });

  it('should name a corrupt file', async () => {
    await writeOfficialFiles(dir);
    const file = gzip(idxImages(4));
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), file.subarray(0, file.length / 2));
    expect(await messageOf(loadFashionMnistSplit('train', { dir }))).toMatchInlineSnapshot(
      `"<dir>/train-images-idx3-ubyte.gz is not a valid gzip file (unexpected end of file). Get Fashion-MNIST with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files land in /usr/share/datasets/fashion-mnist), or download the four official IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir <dir> (or set PRETEXT_FASHION_MNIST_DIR)."`,
    );
  });

  it('should refuse images and labels that disagree in count', async () => {
    await writeOfficialFiles(dir, { trainCount: 3 });
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzip(idxLabels([1, 2, 3, 4])));
    expect(await messageOf(loadFashionMnistSplit('train', { dir }))).toMatchInlineSnapshot(
      `"<dir>/train-images-idx3-ubyte.gz holds 3 images but <dir>/train-labels-idx1-ubyte.gz holds 4 labels. Get Fashion-MNIST with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files land in /usr/share/datasets/fashion-mnist), or download the four official IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir <dir> (or set PRETEXT_FASHION_MNIST_DIR)."`,
    );
  });

  it('should refuse a label outside the ten classes', async () => {
    await writeOfficialFiles(dir);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzip(idxLabels([5, 10])));
    expect(await messageOf(loadFashionMnistSplit('t10k', { dir }))).toMatchInlineSnapshot(
      `"<dir>/t10k-labels-idx1-ubyte.gz: label 1 is 10, not a class 0–9. Get Fashion-MNIST with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files land in /usr/share/datasets/fashion-mnist), or download the four official IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir <dir> (or set PRETEXT_FASHION_MNIST_DIR)."`,
    );
  });
});

describe('fashionMnistDir', () => {
  it('should prefer the argument, then PRETEXT_FASHION_MNIST_DIR, then the Debian folder', () => {
    const env = { PRETEXT_FASHION_MNIST_DIR: '/from/env' };
    expect(fashionMnistDir({ dir: '/from/flag', env })).toBe('/from/flag');
    expect(fashionMnistDir({ env })).toBe('/from/env');
    expect(fashionMnistDir({ env: {} })).toBe(DEFAULT_FASHION_MNIST_DIR);
  });
});

const installed = existsSync(DEFAULT_FASHION_MNIST_DIR);
const realDataTest = 'should hold 60,000 + 10,000 images with ten balanced classes';

describe('the installed Fashion-MNIST', () => {
  it.skipIf(!installed)(
    installed
      ? realDataTest
      : `${realDataTest} (skipped: ${DEFAULT_FASHION_MNIST_DIR} is absent; \`apt-get install dataset-fashion-mnist\`)`,
    async () => {
      const { train, test } = await loadFashionMnist({ dir: DEFAULT_FASHION_MNIST_DIR });
      expect([train.count, test.count]).toEqual([60_000, 10_000]);
      expect(train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
      const perClass = new Array<number>(10).fill(0);
      for (const label of test.labels) perClass[label]!++;
      expect(perClass).toEqual(new Array(10).fill(1000));
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const v of train.images) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      expect([min, max]).toEqual([0, 1]);
      // Mostly background: the mean pixel of Fashion-MNIST is ≈ 0.286.
      expect(sum / train.images.length).toBeCloseTo(0.286, 2);
      // Border pixels are background (ink = 1 convention, no inversion needed).
      expect(train.images[0]).toBe(0);
    },
  );
});
