import { IMAGE_PIXELS } from '../../worker/contract/image';
import type { Dataset } from './dataset';

/**
 * The first `limit` images of an evenly spaced walk over the dataset (every ⌊N/limit⌋-th image), so a
 * small subset for tests and smoke runs covers every class even when the source is sorted by class.
 */
export function spreadSubset(data: Dataset, limit: number, dim = IMAGE_PIXELS): Dataset {
  if (limit <= 0 || limit >= data.count) return data;
  const stride = Math.floor(data.count / limit);
  const images = new Float32Array(limit * dim);
  const labels = new Uint8Array(limit);
  for (let i = 0; i < limit; i++) {
    const src = i * stride;
    images.set(data.images.subarray(src * dim, (src + 1) * dim), i * dim);
    labels[i] = data.labels[src]!;
  }
  return { ...data, images, labels, count: limit };
}
