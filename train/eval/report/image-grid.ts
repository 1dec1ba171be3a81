// Grids of 28×28 images as grayscale PNG (ink drawn dark on white, as on a slide), upscaled with
// nearest-neighbour so every pixel stays visible.
import { encode } from 'fast-png';

export interface GridRow {
  /** N images, 784 values each in [0, 1] (1 = ink). */
  images: Float32Array;
}

export function imageGridPng(rows: readonly Float32Array[], columns: number, scale = 3, gap = 2): Uint8Array {
  const cell = 28 * scale + gap;
  const width = columns * cell + gap;
  const height = rows.length * cell + gap;
  const pixels = new Uint8Array(width * height).fill(255);
  rows.forEach((images, r) => {
    for (let c = 0; c < columns && (c + 1) * 784 <= images.length; c++) {
      for (let y = 0; y < 28 * scale; y++) {
        for (let x = 0; x < 28 * scale; x++) {
          const v = images[c * 784 + Math.floor(y / scale) * 28 + Math.floor(x / scale)]!;
          const ink = Math.min(1, Math.max(0, v));
          pixels[(gap + r * cell + y) * width + gap + c * cell + x] = Math.round(255 * (1 - ink));
        }
      }
    }
  });
  return encode({ width, height, data: pixels, channels: 1, depth: 8 });
}
