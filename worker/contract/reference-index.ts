// The reference index of an embedding model (issue 18, the lecture's "recommendation": items like this
// one): the embeddings of a reference set, stored small, and the exact score they are searched by.
// scripts/models-index.ts writes it, the worker's /v1/neighbors and the demo page search it, and
// `npm run eval` measures it, so the bytes and the score are defined once, here.
//
// Files of a model version (named, with their sha256 and size, in manifest.reference):
//   vectors  count rows of `dims` int8 codes, row-major: row r is the item's embedding divided by its
//            largest |component|, times 127, rounded; it stands for its direction v̂_r = code_r/‖code_r‖.
//   labels   count uint8 class indexes into manifest.reference.classNames.
//   images   gzip of count rows of 784 uint8 pixels (255 = ink), the reference images in index order.
//
// Score: cosine similarity, cos(q, code_r) = (code_r · q) / (‖code_r‖ ‖q‖) in float64, exact over every row
// (brute force): a row of zeros (an embedding of length 0) scores 0 against everything, and so does a
// query of length 0. Equal scores rank the lower index first.
import { IMAGE_PIXELS } from './image';

/** The encoding manifest.reference.encoding names. */
export const REFERENCE_ENCODING = 'int8-rows';
/** The file names scripts/models-index.ts writes beside model.onnx. */
export const REFERENCE_FILES = Object.freeze({
  vectors: 'reference-vectors.bin',
  labels: 'reference-labels.bin',
  images: 'reference-images.bin.gz',
});
/** The most neighbours one query may ask for (POST /v1/neighbors `k`). */
export const MAX_NEIGHBORS = 100;
/** Class indexes are stored as uint8. */
export const MAX_REFERENCE_CLASSES = 256;

const CODE_MAX = 127;

/** Bytes of a vectors file: an int8 code per value. */
export const referenceVectorsBytes = (count: number, dims: number): number => count * dims;

/** A decoded vectors file: codes row-major (count × dims), and 1/‖code‖ of each row (0 for a zero row). */
export interface ReferenceVectors {
  count: number;
  dims: number;
  codes: Int8Array;
  inverseLengths: Float64Array;
}

export interface Neighbor {
  /** The row of the reference set (its index in the dataset split it was built from). */
  index: number;
  /** Cosine similarity in [−1, 1] (up to float rounding). */
  score: number;
}

/** What is wrong with a reference file whose bytes match their sha256 but not the format. */
export class ReferenceFormatError extends Error {
  override name = 'ReferenceFormatError';
}

/** Encodes `count` embeddings (rows of `dims` values) as a vectors file. */
export function encodeReferenceVectors(embeddings: ArrayLike<number>, dims: number): Uint8Array {
  if (!Number.isInteger(dims) || dims < 1)
    throw new RangeError(`dims must be a positive integer, got ${dims}`);
  if (embeddings.length % dims !== 0) {
    throw new RangeError(`${embeddings.length} values are not rows of ${dims}`);
  }
  const count = embeddings.length / dims;
  const codes = new Int8Array(referenceVectorsBytes(count, dims));
  for (let r = 0; r < count; r++) {
    let largest = 0;
    for (let j = 0; j < dims; j++) {
      const value = embeddings[r * dims + j]!;
      if (!Number.isFinite(value)) throw new RangeError(`embedding ${r} has a non-finite value ${value}`);
      largest = Math.max(largest, Math.abs(value));
    }
    // Dividing by the largest |component| is the normalisation and the int8 range in one step: the code's
    // direction is the embedding's, whatever its length, to within the rounding.
    for (let j = 0; j < dims; j++) {
      codes[r * dims + j] = largest === 0 ? 0 : Math.round((embeddings[r * dims + j]! / largest) * CODE_MAX);
    }
  }
  return new Uint8Array(codes.buffer);
}

/** A vectors file read back: its size checked, each row's length computed once (exactly: integers). */
export function decodeReferenceVectors(bytes: ArrayBuffer, count: number, dims: number): ReferenceVectors {
  const expected = referenceVectorsBytes(count, dims);
  if (bytes.byteLength !== expected) {
    throw new ReferenceFormatError(
      `has ${bytes.byteLength} bytes, but ${count} rows of ${dims} int8 codes take ${expected}`,
    );
  }
  const codes = new Int8Array(bytes);
  const inverseLengths = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    let squares = 0;
    for (let j = 0; j < dims; j++) squares += codes[r * dims + j]! * codes[r * dims + j]!;
    inverseLengths[r] = squares === 0 ? 0 : 1 / Math.sqrt(squares);
  }
  return { count, dims, codes, inverseLengths };
}

/** A labels file read back and checked: one class index per row, each naming one of `classes`. */
export function decodeReferenceLabels(bytes: ArrayBuffer, count: number, classes: number): Uint8Array {
  if (bytes.byteLength !== count) {
    throw new ReferenceFormatError(`has ${bytes.byteLength} bytes, but ${count} rows take ${count}`);
  }
  const labels = new Uint8Array(bytes);
  const bad = labels.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new ReferenceFormatError(
      `has class ${labels[bad]} in row ${bad}, but there are ${classes} classes`,
    );
  }
  return labels;
}

/** The reference images as one file's raw bytes (before gzip): 784 bytes per image, 255 = ink. */
export function encodeReferenceImages(images: ArrayLike<number>): Uint8Array {
  if (images.length % IMAGE_PIXELS !== 0) {
    throw new RangeError(`${images.length} values are not images of ${IMAGE_PIXELS}`);
  }
  return Uint8Array.from(images, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

/** Image `index` of the decoded (gunzipped) images file, as the API's 784 values in [0, 1]. */
export function referenceImage(pixels: Uint8Array, index: number): Float32Array {
  return Float32Array.from(pixels.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS), (b) => b / 255);
}

/**
 * The k nearest rows to each query by cosine similarity, best first (ties: lower index first): an exact
 * scan of every row. `queries` holds rows of `dims` values (any length; only the direction counts).
 * Queries are scanned four at a time, each code read once for the four (twice as fast in V8 as one at a
 * time); each query's dot product is still summed in the same order, so an answer does not depend on
 * the batch it came in.
 */
export function nearestNeighbors(
  vectors: ReferenceVectors,
  queries: ArrayLike<number>,
  k: number,
): Neighbor[][] {
  const { dims } = vectors;
  if (queries.length % dims !== 0)
    throw new RangeError(`${queries.length} values are not queries of ${dims}`);
  const count = queries.length / dims;
  const units = Array.from({ length: count }, (_, q) => unitQuery(queries, q * dims, dims));
  const found: Neighbor[][] = [];
  let q = 0;
  for (; q + 4 <= count; q += 4) found.push(...scanFour(vectors, units.slice(q, q + 4), k));
  for (; q < count; q++) found.push(scanOne(vectors, units[q]!, k));
  return found;
}

function unitQuery(queries: ArrayLike<number>, offset: number, dims: number): Float64Array {
  const query = new Float64Array(dims);
  let squares = 0;
  for (let j = 0; j < dims; j++) {
    query[j] = queries[offset + j]!;
    squares += query[j]! * query[j]!;
  }
  const length = Math.sqrt(squares);
  if (length > 0) for (let j = 0; j < dims; j++) query[j]! /= length;
  return query;
}

function scanOne(vectors: ReferenceVectors, query: Float64Array, k: number): Neighbor[] {
  const { count, dims, codes, inverseLengths } = vectors;
  const best = new TopK(Math.min(k, count));
  for (let r = 0; r < count; r++) {
    let dot = 0;
    const base = r * dims;
    for (let j = 0; j < dims; j++) dot += codes[base + j]! * query[j]!;
    best.offer(dot * inverseLengths[r]!, r);
  }
  return best.neighbors();
}

function scanFour(vectors: ReferenceVectors, [q0, q1, q2, q3]: Float64Array[], k: number): Neighbor[][] {
  const { count, dims, codes, inverseLengths } = vectors;
  const best = Array.from({ length: 4 }, () => new TopK(Math.min(k, count)));
  for (let r = 0; r < count; r++) {
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    const base = r * dims;
    for (let j = 0; j < dims; j++) {
      const code = codes[base + j]!;
      d0 += code * q0![j]!;
      d1 += code * q1![j]!;
      d2 += code * q2![j]!;
      d3 += code * q3![j]!;
    }
    const scale = inverseLengths[r]!;
    best[0]!.offer(d0 * scale, r);
    best[1]!.offer(d1 * scale, r);
    best[2]!.offer(d2 * scale, r);
    best[3]!.offer(d3 * scale, r);
  }
  return best.map((b) => b.neighbors());
}

/** The best k scores seen, in a sorted array: k ≤ 100, and most rows fail the first comparison. */
class TopK {
  readonly #scores: Float64Array;
  readonly #rows: Int32Array;
  #filled = 0;

  constructor(k: number) {
    this.#scores = new Float64Array(k);
    this.#rows = new Int32Array(k);
  }

  /** Rows are offered in index order, so a score equal to a kept one stays behind it: ties keep the lower index. */
  offer(score: number, row: number): void {
    const scores = this.#scores;
    const rows = this.#rows;
    const k = scores.length;
    if (k === 0 || (this.#filled === k && !(score > scores[k - 1]!))) return;
    let at = Math.min(this.#filled, k - 1);
    while (at > 0 && scores[at - 1]! < score) {
      scores[at] = scores[at - 1]!;
      rows[at] = rows[at - 1]!;
      at--;
    }
    scores[at] = score;
    rows[at] = row;
    if (this.#filled < k) this.#filled++;
  }

  neighbors(): Neighbor[] {
    return Array.from({ length: this.#filled }, (_, i) => ({
      index: this.#rows[i]!,
      score: this.#scores[i]!,
    }));
  }
}
