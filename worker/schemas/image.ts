// One image as JSON: 28×28 grayscale, row-major, 784 numbers in [0, 1], 1 = ink (DESIGN.md, data conventions).
import { z } from 'zod';

export const IMAGE_SIDE = 28;
export const IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE;

/**
 * Reports only the first bad pixel of an image: 256 images × 784 wrong pixels would otherwise make
 * an error body of 200,000 issues that helps nobody.
 */
export const ImageSchema = z.custom<number[]>().superRefine((value, ctx) => {
  if (!Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be an array of ${IMAGE_SIZE} numbers, got ${describeValue(value)}`,
    });
    return;
  }
  if (value.length !== IMAGE_SIZE) {
    ctx.addIssue({ code: 'custom', message: `must have ${IMAGE_SIZE} values, got ${value.length}` });
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const pixel: unknown = value[i];
    // JSON.parse turns 1e999 into Infinity, so finiteness is checked here and not left to JSON.
    if (typeof pixel !== 'number' || !Number.isFinite(pixel) || pixel < 0 || pixel > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `must be a number in [0, 1], got ${describeValue(pixel)}`,
      });
      return;
    }
  }
});

/** A short, safe rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
