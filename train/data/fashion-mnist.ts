// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist):
// 60,000 training + 10,000 test images of clothing, 28×28, in the four official IDX files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../worker/contract/image';
import { type Dataset, DatasetError } from './dataset';
import { parseIdxImages, parseIdxLabels } from './idx';

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Where `apt-get install dataset-fashion-mnist` (Debian / Ubuntu) puts the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DIR_ENV = 'PRETEXT_FASHION_MNIST_DIR';

export type FashionMnistSplit = 'train' | 't10k';

const FILE_STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  t10k: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

const HOW_TO_GET =
  'Get Fashion-MNIST with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, files land in ' +
  `${DEFAULT_FASHION_MNIST_DIR}), or download the four official IDX files from ` +
  'https://github.com/zalandoresearch/fashion-mnist and pass --data-dir <dir> ' +
  `(or set ${FASHION_MNIST_DIR_ENV}).`;

export interface FashionMnistOptions {
  /** Directory holding the four IDX files; wins over the environment variable. */
  dir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface FashionMnistSplits {
  train: Dataset;
  test: Dataset;
}

/** Argument, then `PRETEXT_FASHION_MNIST_DIR`, then the Debian location. */
export function fashionMnistDir(options: FashionMnistOptions = {}): string {
  const fromEnv = (options.env ?? process.env)[FASHION_MNIST_DIR_ENV];
  return options.dir ?? (fromEnv ? fromEnv : DEFAULT_FASHION_MNIST_DIR);
}

/** Reads `<stem>.gz`, else the uncompressed `<stem>`; names both when neither exists. */
async function readIdxFile(dir: string, stem: string): Promise<{ path: string; bytes: Uint8Array }> {
  for (const path of [join(dir, `${stem}.gz`), join(dir, stem)]) {
    try {
      return { path, bytes: new Uint8Array(await readFile(path)) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DatasetError(`Fashion-MNIST file ${path} cannot be read: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  throw new DatasetError(`Fashion-MNIST file ${stem}(.gz) is missing in ${dir}. ${HOW_TO_GET}`);
}

async function loadSplit(dir: string, split: FashionMnistSplit): Promise<Dataset> {
  const stems = FILE_STEMS[split];
  const [imageFile, labelFile] = await Promise.all([
    readIdxFile(dir, stems.images),
    readIdxFile(dir, stems.labels),
  ]);
  // The parser's messages name the file; a corrupt file gets the same advice as a missing one.
  const corrupt = (message: string, cause?: unknown): DatasetError =>
    new DatasetError(`${message}. ${HOW_TO_GET}`, { cause });
  const parse = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      throw error instanceof DatasetError ? corrupt(error.message, error) : error;
    }
  };
  const images = parse(() => parseIdxImages(imageFile.bytes, imageFile.path));
  const labels = parse(() => parseIdxLabels(labelFile.bytes, labelFile.path));
  if (images.rows !== IMAGE_SIDE || images.cols !== IMAGE_SIDE) {
    throw corrupt(`${imageFile.path} holds ${images.rows}×${images.cols} images, not 28×28`);
  }
  if (images.count !== labels.count) {
    throw corrupt(
      `${imageFile.path} holds ${images.count} images but ${labelFile.path} holds ${labels.count} labels`,
    );
  }
  const classCount = FASHION_MNIST_CLASS_NAMES.length;
  const bad = labels.labels.findIndex((label) => label >= classCount);
  if (bad >= 0) {
    throw corrupt(
      `${labelFile.path}: label ${bad} is ${labels.labels[bad]}, not a class 0–${classCount - 1}`,
    );
  }
  // IDX stores 0 = background, 255 = ink: already the project's polarity.
  const pixels = new Float32Array(images.count * IMAGE_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.pixels[i]! / 255;
  return {
    name: `fashion-mnist-${split === 'train' ? 'train' : 'test'}`,
    images: pixels,
    labels: labels.labels.slice(),
    count: images.count,
    classNames: FASHION_MNIST_CLASS_NAMES,
  };
}

/** One split: `train` (60,000 images) or `t10k` (the 10,000 test images). */
export function loadFashionMnistSplit(
  split: FashionMnistSplit,
  options: FashionMnistOptions = {},
): Promise<Dataset> {
  return loadSplit(fashionMnistDir(options), split);
}

export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<FashionMnistSplits> {
  const dir = fashionMnistDir(options);
  const [train, test] = await Promise.all([loadSplit(dir, 'train'), loadSplit(dir, 't10k')]);
  return { train, test };
}
