// Grids of 28×28 images as grayscale PNG (ink drawn dark on white, as on a slide), upscaled with
// nearest-neighbour so every pixel stays visible.
import { encode } from 'fast-png';
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../../worker/contract/image';

export interface GridRow {
  /** N images, 784 values each in [0, 1] (1 = ink). */
  images: Float32Array;
}

export function imageGridPng(rows: readonly Float32Array[], columns: number, scale = 3, gap = 2): Uint8Array {
  const cell = IMAGE_SIDE * scale + gap;
  const width = columns * cell + gap;
  const height = rows.length * cell + gap;
  const pixels = new Uint8Array(width * height).fill(255);
  rows.forEach((images, r) => {
    for (let c = 0; c < columns && (c + 1) * IMAGE_PIXELS <= images.length; c++) {
      for (let y = 0; y < IMAGE_SIDE * scale; y++) {
        for (let x = 0; x < IMAGE_SIDE * scale; x++) {
          const v = images[c * IMAGE_PIXELS + Math.floor(y / scale) * IMAGE_SIDE + Math.floor(x / scale)]!;
          const ink = Math.min(1, Math.max(0, v));
          pixels[(gap + r * cell + y) * width + gap + c * cell + x] = Math.round(255 * (1 - ink));
        }
      }
    }
  });
  return encode({ width, height, data: pixels, channels: 1, depth: 8 });
}
