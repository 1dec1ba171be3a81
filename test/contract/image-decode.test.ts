import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, imageTo28x28 } from '../../worker/contract/image-decode';
import { readImageHeader } from '../../worker/contract/image-header';
import {
  bilevelPng,
  grayPng,
  indexedPng,
  jpegHeaderOnly,
  pngHeaderOnly,
  rgbaPng,
  rgbJpeg,
  ringDigit,
  toBytes,
} from './image-fixtures';

const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const at = (image: Float32Array, x: number, y: number) => image[y * 28 + x]!;
/** The ring as 8-bit values, back in [0, 1]: what an exact conversion must return. */
const digit = Float32Array.from(toBytes(ringDigit()), (v) => v / 255);

describe('imageTo28x28', () => {
  it('should return an MNIST-style 28×28 PNG unchanged', () => {
    expect(maxAbsDiff(imageTo28x28(grayPng(28, 28, digit)), digit)).toBeLessThan(1e-6);
  });

  it('should read 16-bit PNGs', () => {
    expect(maxAbsDiff(imageTo28x28(grayPng(28, 28, digit, 16)), digit)).toBeLessThan(1e-6);
  });

  it('should unpack 1-bit PNGs whose rows end in padding bits', () => {
    // Width 13: each row holds 13 bits in 2 bytes. A white image with one black pixel per row.
    const bits = Array.from({ length: 13 * 13 }, (_, i) => (i % 13 === Math.floor(i / 13) ? 0 : 1));
    const result = imageTo28x28(bilevelPng(13, 13, bits));
    // 13 → 28 enlarges (nearest neighbour): the diagonal stays ink, the rest background.
    expect([at(result, 0, 0), at(result, 27, 27), at(result, 27, 0), at(result, 0, 27)]).toEqual([
      1, 1, 0, 0,
    ]);
  });

  it('should read 4-bit palette PNGs with transparency', () => {
    // Palette: 0 transparent, 1 opaque black. A black plus on a transparent 11×11 canvas.
    const indices = Array.from({ length: 121 }, (_, i) => (i % 11 === 5 || Math.floor(i / 11) === 5 ? 1 : 0));
    const png = indexedPng(11, 11, indices, [
      [255, 255, 255, 0],
      [0, 0, 0, 255],
    ]);
    const result = imageTo28x28(png);
    expect([at(result, 14, 2), at(result, 2, 14), at(result, 2, 2)]).toEqual([1, 1, 0]);
  });

  it('should invert a dark drawing on a light background so that ink = 1', () => {
    const inverted = Float32Array.from(digit, (v) => 1 - v);
    expect(maxAbsDiff(imageTo28x28(grayPng(28, 28, inverted)), digit)).toBeLessThan(1e-6);
  });

  it('should map an off-white paper to background 0 and keep full ink at 1', () => {
    // Paper at 0.8, ink at 0: after inversion the background is 0.2, rescaled to 0.
    const scan = Float32Array.from(digit, (v) => 0.8 * (1 - v));
    const result = imageTo28x28(grayPng(28, 28, scan));
    expect(at(result, 0, 0)).toBe(0);
    expect(Math.max(...result)).toBeCloseTo(1, 2);
    expect(maxAbsDiff(result, digit)).toBeLessThan(0.01);
  });

  it('should downscale by area averaging, keeping the aspect ratio, centred on the canvas', () => {
    // 112×56 white with a black block at x 4–55, y 4–51: the 4× box filter gives 28×14 with ink at
    // x 1–13, y 1–12, placed on canvas rows 7–20, so ink spans rows 8–19.
    const png = rgbaPng(112, 56, (x, y) =>
      x >= 4 && x < 56 && y >= 4 && y < 52 ? [0, 0, 0, 255] : [255, 255, 255, 255],
    );
    const result = imageTo28x28(png);
    const column1 = Array.from({ length: 28 }, (_, y) => at(result, 1, y));
    expect(column1.join('')).toBe('0'.repeat(8) + '1'.repeat(12) + '0'.repeat(8));
    expect([at(result, 13, 8), at(result, 14, 8)]).toEqual([1, 0]);
  });

  it('should average partly covered pixels (a stroke thinner than the scale factor)', () => {
    // A 1-pixel black line on 56×56 white covers a quarter of the 2-wide output column.
    const png = rgbaPng(56, 56, (x) => (x === 20 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    expect(at(imageTo28x28(png), 10, 14)).toBeCloseTo(0.5, 6);
  });

  it('should convert colour to luma (ITU-R BT.601 weights)', () => {
    // Pure green on white: luma 0.587, inverted to 0.413 ink.
    const png = rgbaPng(28, 28, (x, y) =>
      x > 9 && x < 18 && y > 9 && y < 18 ? [0, 255, 0, 255] : [255, 255, 255, 255],
    );
    expect(at(imageTo28x28(png), 14, 14)).toBeCloseTo(0.413, 3);
  });

  it('should keep strokes on a transparent canvas whatever their colour', () => {
    const stroke = (colour: number) => (x: number, y: number) =>
      x === 14 && y > 4 && y < 24 ? [colour, colour, colour, 255] : [0, 0, 0, 0];
    for (const colour of [0, 255]) {
      const result = imageTo28x28(rgbaPng(28, 28, stroke(colour)));
      expect([at(result, 14, 10), at(result, 3, 3)]).toEqual([1, 0]);
    }
  });

  it('should decode JPEG photos of a dark drawing on white', () => {
    const jpg = rgbJpeg(56, 56, (x, y) =>
      Math.hypot(x - 27.5, y - 27.5) < 14 ? [20, 20, 20] : [250, 250, 250],
    );
    const result = imageTo28x28(jpg);
    // Ink 20/255 on paper 250/255: (1 − 20/255 − (1 − 250/255)) / (250/255) ≈ 0.92 after compression.
    expect(at(result, 14, 14)).toBeGreaterThan(0.9);
    expect(at(result, 1, 1)).toBeLessThan(0.05);
  });

  it('should refuse a declared size over the limits before decoding pixels', () => {
    // Neither file has pixel data: the size check has to come first to give this message.
    expect(() => imageTo28x28(pngHeaderOnly(5000, 10))).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: Image is too large: 5000×10 declared, the limit is 4096 pixels a side and 16777216 pixels in all]`,
    );
    expect(() => imageTo28x28(pngHeaderOnly(4096, 4097))).toThrow(/too large/);
    expect(() => imageTo28x28(jpegHeaderOnly(4097, 8))).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: Image is too large: 4097×8 declared, the limit is 4096 pixels a side and 16777216 pixels in all]`,
    );
    expect(() => imageTo28x28(pngHeaderOnly(100, 100), { maxSide: 64, maxPixels: 4096 })).toThrow(
      /too large/,
    );
  });

  it('should refuse unsupported formats and corrupt files with an ImageDecodeError', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');
    const png = grayPng(28, 28, digit);
    const jpg = rgbJpeg(16, 16, () => [0, 0, 0]);
    expect(() => imageTo28x28(gif)).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: Unsupported image format: expected PNG or JPEG]`,
    );
    expect(() => imageTo28x28(new Uint8Array(0))).toThrow(ImageDecodeError);
    expect(() => imageTo28x28(png.subarray(0, 20))).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: PNG is truncated before the end of its IHDR header]`,
    );
    expect(() => imageTo28x28(png.subarray(0, png.length - 20))).toThrow(ImageDecodeError);
    expect(() => imageTo28x28(pngHeaderOnly(0, 5))).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: Image declares an empty size 0×5]`,
    );
    expect(() => imageTo28x28(jpg.subarray(0, jpg.length / 2))).toThrow(ImageDecodeError);
    expect(() => imageTo28x28(jpg.subarray(0, 4))).toThrowErrorMatchingInlineSnapshot(
      `[ImageDecodeError: JPEG is corrupt or truncated: no frame header (SOF) before the image data]`,
    );
  });

  it('should return 784 values in [0, 1] for any grayscale PNG', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, seed) => {
          const values = Float32Array.from(
            { length: width * height },
            (_, i) => ((seed * (i + 1)) % 256) / 255,
          );
          const result = imageTo28x28(grayPng(width, height, values));
          return result.length === 784 && result.every((v) => v >= 0 && v <= 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('readImageHeader', () => {
  it('should read the declared size of PNG and JPEG files', () => {
    expect(readImageHeader(pngHeaderOnly(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
    expect(readImageHeader(jpegHeaderOnly(300, 200))).toEqual({ format: 'jpeg', width: 300, height: 200 });
    expect(readImageHeader(rgbJpeg(17, 9, () => [1, 2, 3]))).toEqual({
      format: 'jpeg',
      width: 17,
      height: 9,
    });
  });
});
