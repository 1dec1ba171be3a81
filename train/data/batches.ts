// Mini-batches for stochastic gradient descent: each epoch visits every example once, in an order
// shuffled by a seeded RNG. Only an index array is permuted; each batch copies its own rows.
import { IMAGE_PIXELS } from '../../worker/contract/image';
import type { Rng } from '../../worker/contract/rng';
import type { Dataset } from './dataset';

export interface Batch {
  /** size × 784 rows, a fresh copy (safe to hand to a tensor that keeps it). */
  images: Float32Array;
  labels: Uint8Array;
  /** Which dataset rows the batch holds, in order. */
  indices: Uint32Array;
  size: number;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffles the order when given; without it the dataset order is kept. */
  rng?: Rng;
  /** Drops the last, smaller batch (keeps every batch the same shape). */
  dropLast?: boolean;
}

/** Fisher–Yates shuffle in place (Knuth, TAOCP vol. 2, Algorithm P). */
export function shuffleInPlace(order: Uint32Array, rng: Rng): Uint32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export function batchCount(count: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** Copies the rows `indices` of the dataset into one batch. */
export function gatherBatch(dataset: Dataset, indices: Uint32Array): Batch {
  const images = new Float32Array(indices.length * IMAGE_PIXELS);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k]!;
    images.set(dataset.images.subarray(row * IMAGE_PIXELS, (row + 1) * IMAGE_PIXELS), k * IMAGE_PIXELS);
    labels[k] = dataset.labels[row]!;
  }
  return { images, labels, indices, size: indices.length };
}

/**
 * Epoch after epoch of batches over one dataset. The index order is kept between epochs and
 * reshuffled at the start of each, so one RNG seed fixes the order of the whole run.
 */
export class BatchSampler {
  readonly #dataset: Dataset;
  readonly #options: Required<Omit<BatchOptions, 'rng'>> & Pick<BatchOptions, 'rng'>;
  readonly #order: Uint32Array;

  constructor(dataset: Dataset, options: BatchOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`Batch size must be a positive integer, got ${batchSize}`);
    }
    this.#dataset = dataset;
    this.#options = { dropLast: false, ...options };
    this.#order = Uint32Array.from({ length: dataset.count }, (_, i) => i);
  }

  get batchesPerEpoch(): number {
    return batchCount(this.#dataset.count, this.#options.batchSize, this.#options.dropLast);
  }

  /** One epoch: reshuffles (when seeded) and yields its batches. */
  *epoch(): Generator<Batch> {
    const { batchSize, rng } = this.#options;
    if (rng) shuffleInPlace(this.#order, rng);
    const batches = this.batchesPerEpoch;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const indices = this.#order.slice(start, Math.min(start + batchSize, this.#order.length));
      yield gatherBatch(this.#dataset, indices);
    }
  }
}
