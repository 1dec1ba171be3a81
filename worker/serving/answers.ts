// Model outputs → API answers, written once: the routes (worker/routes/) and the demo's in-browser runner
// (worker/demo/src/browser-inference.ts) both call these, so the page shows exactly what the API answers.
// Pure functions of plain arrays: no ORT, no hono, no DOM.
import { JIGSAW_PERMUTATIONS, restoreTiles } from '../contract/jigsaw';
import { meanSquaredError } from '../contract/reconstruction-error';
import type { Neighbor } from '../contract/reference-index';
import { ROTATION_ANGLES, type RotationAngle, uprightImage } from '../contract/rotation';
import { argmax, softmax } from './probabilities';

/** Rows of class scores as probabilities: a logits role (`logits`, `rotationLogits`, …) goes through softmax. */
export function probabilitiesOf(role: string, rows: number[][]): number[][] {
  return role === 'logits' || role.endsWith('Logits') ? rows.map(softmax) : rows;
}

export interface RotationAnswer {
  predictions: { angle: RotationAngle; probabilities: number[] }[];
  /** Each input turned back by its predicted angle. */
  upright: number[][];
}

/** RotNet: the most probable of the 4 rotations (ROTATION_ANGLES order), and each image turned back by it. */
export function rotationAnswer(images: readonly Float32Array[], probabilities: number[][]): RotationAnswer {
  const classes = probabilities.map((row) => argmax(checkWidth(row, ROTATION_ANGLES.length, 'rotation')));
  return {
    predictions: probabilities.map((row, i) => ({
      angle: ROTATION_ANGLES[classes[i]!]!,
      probabilities: row,
    })),
    upright: images.map((image, i) => Array.from(uprightImage(image, classes[i]!))),
  };
}

export interface JigsawAnswer {
  predictions: { permutation: number[]; probability: number }[];
  /** Each input with its tiles put back by its predicted permutation. */
  restored: number[][];
}

/** Jigsaw: the most probable of the 24 tile permutations (JIGSAW_PERMUTATIONS order), and each image restored. */
export function jigsawAnswer(images: readonly Float32Array[], probabilities: number[][]): JigsawAnswer {
  const best = probabilities.map((row) => argmax(checkWidth(row, JIGSAW_PERMUTATIONS.length, 'jigsaw')));
  return {
    predictions: probabilities.map((row, i) => ({
      permutation: [...JIGSAW_PERMUTATIONS[best[i]!]!],
      probability: row[best[i]!]!,
    })),
    restored: images.map((image, i) => Array.from(restoreTiles(image, JIGSAW_PERMUTATIONS[best[i]!]!))),
  };
}

export interface ReconstructionAnswer {
  images: number[][];
  /** mean((x − x̂)²) over the pixels of each image: the lecture's L_rec. */
  mse: number[];
}

export function reconstructionAnswer(
  images: readonly Float32Array[],
  reconstructions: number[][],
): ReconstructionAnswer {
  return {
    images: reconstructions,
    mse: reconstructions.map((reconstruction, i) => meanSquaredError(images[i]!, reconstruction)),
  };
}

export interface ClassPrediction {
  label: string;
  probabilities: number[];
}

/** The most probable class of each row, named by the manifest's classNames (its index otherwise). */
export function classifyAnswer(probabilities: number[][], classNames?: readonly string[]): ClassPrediction[] {
  return probabilities.map((row) => {
    const best = argmax(row);
    return { label: classNames?.[best] ?? String(best), probabilities: row };
  });
}

/** k-means: the graph's own assignment when it has one, else the nearest centroid by the distances. */
export function clusterAnswer(
  distances: number[][],
  assigned: ArrayLike<number> | undefined,
): { clusters: number[]; distances: number[][] } {
  const clusters =
    assigned === undefined
      ? distances.map((row) => argmax(row.map((d) => -d)))
      : Array.from({ length: distances.length }, (_, i) => Math.round(assigned[i]!));
  return { clusters, distances };
}

export interface NamedNeighbor extends Neighbor {
  /** The class name of the reference item. */
  label: string;
}

/** Nearest reference items (worker/contract/reference-index.ts) named by their class. */
export function neighborsAnswer(
  found: readonly (readonly Neighbor[])[],
  labels: ArrayLike<number>,
  classNames: readonly string[],
): NamedNeighbor[][] {
  return found.map((row) =>
    row.map(({ index, score }) => ({
      index,
      label: classNames[labels[index]!] ?? String(labels[index]),
      score,
    })),
  );
}

/** The registry checks every output's shape when it opens a model, so a mismatch here is a bug. */
function checkWidth(row: number[], width: number, task: string): number[] {
  if (row.length !== width)
    throw new Error(`a ${task} answer needs ${width} scores per image, got ${row.length}`);
  return row;
}
