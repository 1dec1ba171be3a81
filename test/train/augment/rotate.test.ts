import { describe, expect, it } from 'vitest';
import { rotationExamples } from '../../../train/augment/rotate';
import { rotateCounterClockwise, uprightImage } from '../../../worker/contract/rotation';

const image = Float32Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);

describe('rotation pretext examples', () => {
  it('restoring by the predicted class is the exact inverse of every rotation', () => {
    for (let k = 0; k < 4; k++) expect(uprightImage(rotateCounterClockwise(image, k), k)).toEqual(image);
  });

  it('turns counter-clockwise: the top-right pixel goes to the top-left', () => {
    const marked = new Float32Array(784);
    marked[27] = 1; // row 0, column 27
    expect(rotateCounterClockwise(marked, 1).indexOf(1)).toBe(0);
  });

  it('makes all four rotations of each image, image-major, labelled by quarter turns', () => {
    const two = new Float32Array(2 * 784);
    two.set(image);
    two.set(
      image.map((v) => 1 - v),
      784,
    );
    const ex = rotationExamples(two);
    expect(ex.count).toBe(8);
    expect(ex.images.length).toBe(8 * 784);
    expect(Array.from(ex.labels)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    for (let e = 0; e < 8; e++) {
      const source = two.subarray(Math.floor(e / 4) * 784, (Math.floor(e / 4) + 1) * 784);
      expect(uprightImage(ex.images.subarray(e * 784, (e + 1) * 784), ex.labels[e]!)).toEqual(source);
    }
  });

  it('rejects a buffer that is not whole images', () => {
    expect(() => rotationExamples(new Float32Array(100))).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: rotation: 100 values are not 28×28 images]`,
    );
  });
});
