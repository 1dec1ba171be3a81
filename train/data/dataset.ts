/**
 * A split of images ready for training: `images` holds `count` rows of 784 float32 values in
 * [0, 1] (28×28 row-major, 1 = ink, 0 = background), `labels[i]` indexes `classNames`.
 * An unlabelled dataset has `classNames = []` and all labels 0.
 */
export interface Dataset {
  name: string;
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  classNames: readonly string[];
}

/** One error type for every dataset that is missing, unreadable or malformed. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
