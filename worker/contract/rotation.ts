// The rotation pretext task (RotNet, Gidaris et al. 2018, "Unsupervised representation learning by
// predicting image rotations"): class k means the upright image was turned 90·k degrees
// COUNTER-CLOCKWISE (as numpy's rot90). Shared by the trainer, which makes the examples, and the worker,
// which turns a prediction back into an upright image; no runtime imports, so both can use it.
import { IMAGE_SIDE } from './image';

/** Class index → angle in degrees: the order of a rotation model's 4 outputs. */
export const ROTATION_ANGLES = Object.freeze([0, 90, 180, 270] as const);
export type RotationAngle = (typeof ROTATION_ANGLES)[number];

/**
 * A side×side row-major image turned `quarterTurns`·90° counter-clockwise (negative: clockwise).
 * Exact: a permutation of the pixels. One counter-clockwise turn maps out[y][x] = in[x][side−1−y].
 */
export function rotateCounterClockwise(
  image: Float32Array,
  quarterTurns: number,
  side = IMAGE_SIDE,
): Float32Array {
  const turns = ((quarterTurns % 4) + 4) % 4;
  let current = image;
  for (let t = 0; t < turns; t++) {
    const next = new Float32Array(side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) next[y * side + x] = current[x * side + (side - 1 - y)]!;
    }
    current = next;
  }
  return turns === 0 ? Float32Array.from(image) : current;
}

/** The image a rotation model saw, turned back by the angle it predicted. */
export function uprightImage(image: Float32Array, predictedClass: number, side = IMAGE_SIDE): Float32Array {
  return rotateCounterClockwise(image, -predictedClass, side);
}
