// Small PNG and JPEG files made in the test with the same libraries the loader decodes with.
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';

/** A 28×28 MNIST-like digit: a bright ring (ink = 1) on black, values in [0, 1]. */
export function ringDigit(): Float32Array {
  const pixels = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const r = Math.hypot(x - 13.5, y - 13.5);
      pixels[y * 28 + x] = r > 5 && r < 9 ? Math.min(1, (9 - r) / 2) : 0;
    }
  }
  return pixels;
}

/** Gray pixels in [0, 1] → 8-bit values (rounded). */
export const toBytes = (values: Float32Array): Uint8Array =>
  Uint8Array.from(values, (v) => Math.round(v * 255));

export function grayPng(width: number, height: number, values: Float32Array, depth: 8 | 16 = 8): Uint8Array {
  const max = depth === 8 ? 255 : 65535;
  const data = depth === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.round(values[i]! * max);
  return encodePng({ width, height, data, depth, channels: 1 });
}

/** RGBA from a per-pixel [r, g, b, a] function with 8-bit values. */
export function rgbaPng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number[],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return encodePng({ width, height, data, depth: 8, channels: 4 });
}

export function rgbJpeg(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number[],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}

/** A PNG that is only a signature and an IHDR declaring `width × height` (no pixel data). */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(8 + 8 + 13 + 4);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 0, 0, 0, 0], 24);
  return bytes;
}

/** A JPEG that is SOI, an APP0 segment, then a baseline SOF0 declaring `width × height`. */
export function jpegHeaderOnly(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof0 = [
    0xff,
    0xc0,
    0x00,
    0x0b,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    1,
    1,
    0x11,
    0,
  ];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof0]);
}

/** Packs samples of `depth` < 8 bits, each row starting on a byte (PNG spec §7.2). */
export function packRows(
  width: number,
  height: number,
  samples: ArrayLike<number>,
  depth: 1 | 2 | 4,
): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const packed = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      packed[y * rowBytes + (bit >> 3)]! |= samples[y * width + x]! << (8 - depth - (bit & 7));
    }
  }
  return packed;
}

/** A 1-bit grayscale PNG (0 = black, 1 = white). */
export function bilevelPng(width: number, height: number, bits: ArrayLike<number>): Uint8Array {
  return encodePng({ width, height, data: packRows(width, height, bits, 1), depth: 1, channels: 1 });
}

/** A 4-bit indexed PNG; palette entries with a 4th value get a tRNS chunk. */
export function indexedPng(
  width: number,
  height: number,
  indices: ArrayLike<number>,
  palette: number[][],
): Uint8Array {
  return encodePng({
    width,
    height,
    data: packRows(width, height, indices, 4),
    depth: 4,
    channels: 1,
    palette,
  });
}
