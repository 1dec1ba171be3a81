// Tiny IDX files made in the test, in the layout of the MNIST page (big-endian magic, sizes, bytes).
import { gzipSync } from 'node:zlib';

export function idxFile(magic: number, dims: number[], data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic, false);
  for (const [i, size] of dims.entries()) view.setUint32(4 + 4 * i, size, false);
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

/** `count` 28×28 images; image i has the value (i + 1) · 10 at pixel i, 0 elsewhere. */
export function idxImages(count: number, side = 28): Uint8Array {
  const pixels = new Uint8Array(count * side * side);
  for (let i = 0; i < count; i++) pixels[i * side * side + i] = (i + 1) * 10;
  return idxFile(0x00000803, [count, side, side], pixels);
}

export function idxLabels(labels: number[]): Uint8Array {
  return idxFile(0x00000801, [labels.length], labels);
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));
