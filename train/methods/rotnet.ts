// RotNet (Gidaris, Singh & Komodakis 2018): the lecture's first pretext task. Every image is shown
// turned by 0°, 90°, 180° and 270°, and a CNN predicts which; recognising "upright" needs the object's
// shape. Serves /v1/rotation (rotationProbabilities in the order of ROTATION_ANGLES) and the encoder's
// representation as the embedding.
import { ROTATION_ANGLES } from '../../worker/contract/rotation';
import { rotationExamples } from '../augment/rotate';
import { describeConvEncoder } from '../models/conv-encoder';
import type { Method } from './method';
import { trainPretextClassifier } from './pretext-classifier';

export const rotnet: Method = {
  description: 'RotNet pretext: predict the rotation (0/90/180/270°) of each image; conv encoder + softmax 4',
  // 64 images × 4 rotations = 256 examples per step.
  preset: {
    name: 'fmnist-rotnet',
    dataset: 'fashion-mnist',
    epochs: 6,
    batchSize: 64,
    convFilters: [32, 64, 128],
    representationDim: 128,
  },
  run: (ctx) => {
    const c = ctx.config;
    return trainPretextClassifier(ctx, {
      method: 'rotnet',
      description: `RotNet: ${describeConvEncoder({ filters: c.convFilters, width: c.representationDim })} + softmax over the rotations 0/90/180/270° (counter-clockwise), all four per image; embedding = the representation`,
      task: 'rotation',
      role: 'rotationProbabilities',
      classes: ROTATION_ANGLES.length,
      examples: (images) => rotationExamples(images),
    });
  },
};
