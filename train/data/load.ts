// The dataset a config asks for, as train/test splits with the split described in words (it goes
// into the manifest so a reader can reproduce it).
import type { TrainConfig } from '../config/schema';
import { epochOrder } from '../loop/seeding';
import { gatherBatch } from './batches';
import type { Dataset } from './dataset';
import { fashionMnistDir, loadFashionMnist } from './fashion-mnist';
import { loadImageFolder } from './folder';
import { loadMnist, MNIST_SPLIT } from './mnist';
import { spreadSubset } from './subset';

export interface TrainingData {
  train: Dataset;
  test: Dataset;
  split: string;
}

/** A folder has no official split: a seeded 90/10 split of its images. */
function splitFolder(data: Dataset, seed: number): { train: Dataset; test: Dataset } {
  const order = epochOrder(data.count, seed, -1);
  const nTest = Math.max(1, Math.floor(data.count / 10));
  const part = (indices: Uint32Array, suffix: string): Dataset => {
    const batch = gatherBatch(data, indices);
    return {
      ...data,
      name: `${data.name}-${suffix}`,
      images: batch.images,
      labels: batch.labels,
      count: batch.size,
    };
  };
  return { test: part(order.subarray(0, nTest), 'test'), train: part(order.subarray(nTest), 'train') };
}

export async function loadTrainingData(
  c: Pick<TrainConfig, 'dataset' | 'dataDir' | 'trainLimit' | 'seed'> &
    Partial<Pick<TrainConfig, 'testLimit'>>,
): Promise<TrainingData> {
  let data: TrainingData;
  switch (c.dataset) {
    case 'mnist': {
      const { train, test } = loadMnist();
      data = { train, test, split: MNIST_SPLIT };
      break;
    }
    case 'fashion-mnist': {
      const { train, test } = await loadFashionMnist(c.dataDir ? { dir: c.dataDir } : {});
      data = {
        train,
        test,
        split: `official Fashion-MNIST split (60,000 train / 10,000 t10k test) from ${fashionMnistDir(c.dataDir ? { dir: c.dataDir } : {})}`,
      };
      break;
    }
    case 'folder': {
      if (!c.dataDir) throw new Error('--dataset folder needs --data-dir <folder of PNG/JPEG images>');
      const all = await loadImageFolder(c.dataDir);
      data = {
        ...splitFolder(all, c.seed),
        split: `seeded 90/10 split (seed ${c.seed}) of the images in ${c.dataDir}`,
      };
      break;
    }
  }
  if (c.trainLimit > 0 && c.trainLimit < data.train.count) {
    data = {
      ...data,
      train: spreadSubset(data.train, c.trainLimit),
      split: `${data.split}; training on ${c.trainLimit} evenly spaced training images`,
    };
  }
  if (c.testLimit && c.testLimit < data.test.count) {
    data = {
      ...data,
      test: spreadSubset(data.test, c.testLimit),
      split: `${data.split}; evaluating on ${c.testLimit} evenly spaced test images`,
    };
  }
  return data;
}
