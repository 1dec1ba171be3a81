// Jigsaw puzzles (Noroozi & Favaro 2016): cut the image into a 2×2 grid, shuffle the tiles by one of
// the 24 permutations, predict which. Solving it needs to know what goes where in an object. A fresh
// permutation is drawn per image and step from the step's seeded RNG (resume stays exact). Serves
// /v1/jigsaw (permutationProbabilities in the order of JIGSAW_PERMUTATIONS) and the embedding.
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { JIGSAW_PERMUTATIONS } from '../../worker/contract/jigsaw';
import { jigsawExamples, randomPermutationClasses } from '../augment/tiles';
import { describeConvEncoder } from '../models/conv-encoder';
import type { Method } from './method';
import { trainPretextClassifier } from './pretext-classifier';

export const jigsaw: Method = {
  description:
    'jigsaw pretext: shuffle the 2×2 tiles by one of 24 permutations, predict it; conv encoder + softmax 24',
  preset: {
    name: 'fmnist-jigsaw',
    dataset: 'fashion-mnist',
    // 4 passes over 60,000 images: the flattened 7×7 map learns the task in a few (the issue's
    // check reached 0.94 after 3 passes over 6,000), and the catalogue must train on two cores.
    epochs: 4,
    batchSize: 256,
    convFilters: [32, 64, 128],
    representationDim: 128,
  },
  run: (ctx) => {
    const c = ctx.config;
    return trainPretextClassifier(ctx, {
      method: 'jigsaw',
      description: `Jigsaw (2×2 tiles of 14×14, all 24 permutations): ${describeConvEncoder({ filters: c.convFilters, width: c.representationDim })} + softmax 24; embedding = the representation`,
      task: 'jigsaw',
      role: 'permutationProbabilities',
      classes: JIGSAW_PERMUTATIONS.length,
      examples: (images, rng) =>
        jigsawExamples(images, randomPermutationClasses(images.length / IMAGE_PIXELS, rng)),
    });
  },
};
