// Resizing by area averaging (a box filter): every output pixel is the mean of the input area it
// covers, partial input pixels weighted by the fraction covered. It is what a downscale of a
// drawing needs (no aliasing of thin strokes); when enlarging it reduces to nearest neighbour.
// No Node APIs: the worker imports this file too.

/** A single-channel image, row-major, values in [0, 1]. */
export interface GrayImage {
  width: number;
  height: number;
  gray: Float32Array;
}

/** For each output index: the input indices it covers and their weights (summing to 1). */
function coverage(inputSize: number, outputSize: number): { index: Int32Array; weight: Float32Array }[] {
  const ratio = inputSize / outputSize;
  const taps: { index: Int32Array; weight: Float32Array }[] = [];
  for (let o = 0; o < outputSize; o++) {
    const from = o * ratio;
    const to = (o + 1) * ratio;
    const first = Math.floor(from);
    const last = Math.min(inputSize - 1, Math.ceil(to) - 1);
    const index = new Int32Array(last - first + 1);
    const weight = new Float32Array(last - first + 1);
    for (let i = first; i <= last; i++) {
      const overlap = Math.min(to, i + 1) - Math.max(from, i);
      index[i - first] = i;
      weight[i - first] = overlap / ratio;
    }
    taps.push({ index, weight });
  }
  return taps;
}

/** Box-filter resize to outWidth × outHeight; the filter is separable, so rows then columns. */
export function areaResize(image: GrayImage, outWidth: number, outHeight: number): Float32Array {
  const { width, height, gray } = image;
  const columns = coverage(width, outWidth);
  const rows = coverage(height, outHeight);
  const narrow = new Float32Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      const { index, weight } = columns[x]!;
      let sum = 0;
      for (let k = 0; k < index.length; k++) sum += weight[k]! * gray[y * width + index[k]!]!;
      narrow[y * outWidth + x] = sum;
    }
  }
  const out = new Float32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const { index, weight } = rows[y]!;
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let k = 0; k < index.length; k++) sum += weight[k]! * narrow[index[k]! * outWidth + x]!;
      out[y * outWidth + x] = sum;
    }
  }
  return out;
}
