// One image in a request: either 784 numbers in [0, 1] (28×28 grayscale, row-major, 1 = ink: the
// MNIST convention of DESIGN.md) or a base64 PNG/JPEG of any size, colour or grayscale, converted by
// the very function training uses for image folders (worker/contract/image-decode.ts). Either way the schema's
// output is the model input: a Float32Array of 784 values.
import { z } from '@hono/zod-openapi';
import { IMAGE_PIXELS } from '../contract/image';
import { ImageDecodeError, type ImageLimits, imageTo28x28 } from '../contract/image-decode';
import { readImageHeader } from '../contract/image-header';
import { Base64Error, decodeBase64 } from './base64';

/**
 * Tighter than training's defaults: a Worker isolate has 128 MB, and decoding one W×H image holds
 * ≈ 12·W·H bytes (RGBA bytes, luma and alpha floats), so 2048×2048 peaks near 50 MB.
 */
export const WORKER_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxSide: 2048,
  maxPixels: 2048 * 2048,
});

/** Declared pixels of all encoded images of one request together: bounds the CPU time of a request. */
export const MAX_REQUEST_PIXELS = 16 * 1024 * 1024;

/** A PNG/JPEG whose header has been read and checked, not yet decoded. */
export interface EncodedImage {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** JSON Schema of the two forms, for /openapi.json: a z.custom has none of its own. */
const IMAGE_OPENAPI = {
  type: ['array', 'string'],
  description:
    `${IMAGE_PIXELS} numbers in [0, 1] (28×28 grayscale, row-major, 1 = ink, 0 = background), or a base64 ` +
    `PNG/JPEG (plain or a data: URL) of any size up to ${WORKER_IMAGE_LIMITS.maxSide} pixels a side, ` +
    'colour or grayscale, converted like the training images (luma, dark-on-light inverted, resized to 28×28)',
  oneOf: [
    {
      type: 'array',
      items: { type: 'number', minimum: 0, maximum: 1 },
      minItems: IMAGE_PIXELS,
      maxItems: IMAGE_PIXELS,
    },
    { type: 'string', contentEncoding: 'base64', example: 'data:image/png;base64,iVBORw0KGgo…' },
  ],
} as const;

/** Checks one image and reads the header of an encoded one; decoding waits for the whole batch. */
export const ImageSchema = z
  .custom<number[] | string>()
  .openapi(IMAGE_OPENAPI as never)
  .transform((value, ctx): Float32Array | EncodedImage => {
    const fail = (message: string, path: PropertyKey[] = []) => {
      ctx.issues.push({ code: 'custom', message, input: value, path });
      return z.NEVER;
    };
    // Pixels the JSON fast path (../http/image-batch-json.ts) has already read and checked.
    if (value instanceof Float32Array && value.length === IMAGE_PIXELS) return value;
    if (typeof value === 'string') {
      let bytes: Uint8Array;
      try {
        bytes = decodeBase64(value);
      } catch (error) {
        if (error instanceof Base64Error) return fail(error.message);
        throw error;
      }
      let header: { width: number; height: number };
      try {
        header = readImageHeader(bytes);
      } catch (error) {
        if (error instanceof ImageDecodeError) return fail(`is not a readable image: ${error.message}`);
        throw error;
      }
      const tooLarge = sizeProblem(header.width, header.height);
      return tooLarge === undefined ? { bytes, ...header } : fail(tooLarge);
    }
    if (!Array.isArray(value)) {
      return fail(
        `must be an array of ${IMAGE_PIXELS} numbers or a base64 image, got ${describeValue(value)}`,
      );
    }
    if (value.length !== IMAGE_PIXELS) return fail(`must have ${IMAGE_PIXELS} values, got ${value.length}`);
    const pixels = new Float32Array(IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) {
      const pixel: unknown = value[i];
      // Only the first bad pixel is reported: 256 images × 784 bad pixels would make an error body
      // of 200,000 issues that helps nobody. JSON.parse turns 1e999 into Infinity, hence isFinite.
      if (!isPixel(pixel)) return fail(`must be a number in [0, 1], got ${describeValue(pixel)}`, [i]);
      pixels[i] = pixel;
    }
    return pixels;
  });

export function isPixel(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/** What is wrong with a declared size, before a single pixel is decoded (PNG and JPEG bombs). */
function sizeProblem(width: number, height: number): string | undefined {
  const { maxSide, maxPixels } = WORKER_IMAGE_LIMITS;
  if (width === 0 || height === 0) return `is an image of empty size ${width}×${height}`;
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    return `is an image of ${width}×${height} pixels; the limit is ${maxSide}×${maxSide} (${maxPixels} pixels)`;
  }
  return undefined;
}

/**
 * Decodes the encoded images of a batch, once every image passed {@link ImageSchema}: first the
 * request's pixel budget (from the headers alone), then each image, a corrupt one named by index.
 */
export function decodeImages(
  images: readonly (Float32Array | EncodedImage)[],
  ctx: z.core.$RefinementCtx,
): Float32Array[] {
  let declared = 0;
  for (const image of images) if (!(image instanceof Float32Array)) declared += image.width * image.height;
  if (declared > MAX_REQUEST_PIXELS) {
    ctx.issues.push({
      code: 'custom',
      input: images,
      message: `hold ${declared} image pixels in all; the limit per request is ${MAX_REQUEST_PIXELS}`,
    });
    return z.NEVER;
  }
  const decoded: Float32Array[] = [];
  images.forEach((image, i) => {
    if (image instanceof Float32Array) {
      decoded.push(image);
      return;
    }
    try {
      decoded.push(imageTo28x28(image.bytes, WORKER_IMAGE_LIMITS));
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      ctx.issues.push({
        code: 'custom',
        input: images,
        path: [i],
        message: `cannot be read: ${error.message}`,
      });
    }
  });
  return decoded;
}

/** A short, safe rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
