// Rotation and jigsaw geometry of the contract (worker/contract/rotation.ts, jigsaw.ts): which way a class
// turns, which tile goes where, and that both agree with the geometry the worker tests check answers with
// (test/worker/geometry.ts, written apart from the contract).
import { describe, expect, it } from 'vitest';
import { JIGSAW_PERMUTATIONS, restoreTiles, shuffleTiles } from '../../worker/contract/jigsaw';
import { ROTATION_ANGLES, rotateCounterClockwise, uprightImage } from '../../worker/contract/rotation';
import { ANGLES, PERMUTATIONS, shuffle, turnCounterClockwise, unshuffle } from '../worker/geometry';

/** 0, 1, 2, … 783: every pixel distinct, so a wrong index shows. */
const ramp = () => Float32Array.from({ length: 784 }, (_, i) => i);

describe('rotation', () => {
  it('turns counter-clockwise as numpy rot90: the top-right corner goes to the top-left', () => {
    const turned = rotateCounterClockwise(ramp(), 1);
    expect(turned[0]).toBe(27); // in[0][27]
    expect(turned[27 * 28]).toBe(0); // in[0][0] ends bottom-left
  });

  it('puts an image turned by each class back upright, exactly', () => {
    ROTATION_ANGLES.forEach((_, k) => {
      expect(uprightImage(rotateCounterClockwise(ramp(), k), k)).toEqual(ramp());
    });
  });

  it("agrees with the worker tests' own rotation, class by class", () => {
    expect([...ROTATION_ANGLES]).toEqual([...ANGLES]);
    for (let k = -1; k < 5; k++) {
      expect(Array.from(rotateCounterClockwise(ramp(), k))).toEqual(
        turnCounterClockwise(Array.from(ramp()), k),
      );
    }
  });
});

describe('jigsaw', () => {
  it('has the 24 permutations of 4 tiles in lexicographic order', () => {
    expect(JIGSAW_PERMUTATIONS).toHaveLength(24);
    expect(JIGSAW_PERMUTATIONS[0]).toEqual([0, 1, 2, 3]);
    expect(JIGSAW_PERMUTATIONS[1]).toEqual([0, 1, 3, 2]);
    expect(JIGSAW_PERMUTATIONS[23]).toEqual([3, 2, 1, 0]);
    const keys = JIGSAW_PERMUTATIONS.map((p) => p.join(''));
    expect([...keys].sort()).toEqual(keys);
    expect(JIGSAW_PERMUTATIONS).toEqual(PERMUTATIONS);
  });

  it('puts original tile p[k] at position k, and restores every permutation exactly', () => {
    const shuffled = shuffleTiles(ramp(), [1, 0, 3, 2]);
    expect(shuffled[0]).toBe(14); // the top-left of tile 1
    for (const p of JIGSAW_PERMUTATIONS) expect(restoreTiles(shuffleTiles(ramp(), p), p)).toEqual(ramp());
  });

  it("agrees with the worker tests' own tile moves for every permutation", () => {
    const image = Array.from(ramp());
    for (const p of JIGSAW_PERMUTATIONS) {
      expect(Array.from(shuffleTiles(ramp(), p))).toEqual(shuffle(image, p));
      expect(Array.from(restoreTiles(Float32Array.from(shuffle(image, p)), p))).toEqual(image);
      expect(unshuffle(shuffle(image, p), p)).toEqual(image);
    }
  });
});
