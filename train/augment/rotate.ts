// The RotNet pretext examples (Gidaris, Singh & Komodakis 2018, "Unsupervised representation learning
// by predicting image rotations"): class k is the image turned k·90° counter-clockwise. The rotation
// itself is the contract (worker/contract/rotation.ts), so training and serving can never
// disagree about which way class 1 turns; this file only builds batches of examples from it.

import { IMAGE_PIXELS } from '../../worker/contract/image';
import { ROTATION_ANGLES, rotateCounterClockwise } from '../../worker/contract/rotation';

export interface PretextExamples {
  /** count × 784, row-major images. */
  images: Float32Array;
  /** The pretext class of each example. */
  labels: Int32Array;
  count: number;
}

/**
 * All four rotations of every image, image-major: example 4i + k is image i turned k·90°, label k.
 * Gidaris et al. (§3, "Implementation details") found feeding the four copies of an image in the same
 * batch better than one random rotation per image; it also needs no randomness, so it is exact.
 */
export function rotationExamples(images: Float32Array): PretextExamples {
  const n = images.length / IMAGE_PIXELS;
  if (!Number.isInteger(n)) throw new RangeError(`rotation: ${images.length} values are not 28×28 images`);
  const k = ROTATION_ANGLES.length;
  const out = new Float32Array(n * k * IMAGE_PIXELS);
  const labels = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
    for (let turns = 0; turns < k; turns++) {
      out.set(rotateCounterClockwise(image, turns), (i * k + turns) * IMAGE_PIXELS);
      labels[i * k + turns] = turns;
    }
  }
  return { images: out, labels, count: n * k };
}
