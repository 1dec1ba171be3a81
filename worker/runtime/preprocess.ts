// Images as validated JSON (each 784 numbers in [0, 1]) → one float32 batch N×784, the model input.
import { IMAGE_SIZE } from '../schemas/image';
import type { Float32Tensor } from './model-session';

export function imagesToBatch(images: readonly (readonly number[])[]): Float32Tensor {
  const data = new Float32Array(images.length * IMAGE_SIZE);
  images.forEach((image, i) => {
    if (image.length !== IMAGE_SIZE)
      throw new Error(`image ${i} has ${image.length} values, not ${IMAGE_SIZE}`);
    data.set(image, i * IMAGE_SIZE);
  });
  return { data, dims: [images.length, IMAGE_SIZE] };
}

/** The inverse for outputs: rows of a N×D batch as plain number arrays for JSON. */
export function batchToRows(tensor: Float32Tensor): number[][] {
  const [rows = 0] = tensor.dims;
  const width = rows === 0 ? 0 : tensor.data.length / rows;
  return Array.from({ length: rows }, (_, i) => Array.from(tensor.data.subarray(i * width, (i + 1) * width)));
}
