// Validated images (each a Float32Array of 784 values in [0, 1]) → one float32 batch N×784, the model
// input; and the inverse for outputs, rows of an N×D batch as plain number arrays for JSON.
import { IMAGE_PIXELS } from '../contract/image';
import type { Float32Tensor } from './model-session';

export function imagesToBatch(images: readonly Float32Array[]): Float32Tensor {
  const data = new Float32Array(images.length * IMAGE_PIXELS);
  images.forEach((image, i) => {
    if (image.length !== IMAGE_PIXELS)
      throw new Error(`image ${i} has ${image.length} values, not ${IMAGE_PIXELS}`);
    data.set(image, i * IMAGE_PIXELS);
  });
  return { data, dims: [images.length, IMAGE_PIXELS] };
}

export function batchToRows(tensor: Float32Tensor): number[][] {
  const [rows = 0] = tensor.dims;
  const width = rows === 0 ? 0 : tensor.data.length / rows;
  return Array.from({ length: rows }, (_, i) => Array.from(tensor.data.subarray(i * width, (i + 1) * width)));
}
