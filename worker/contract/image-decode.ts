// One image file (PNG or JPEG, any size, colour or grayscale) → the model's input: 28×28 float32
// in [0, 1], 1 = ink. Shared by training (image folders) and the worker (base64 images), so it
// uses only fast-png, jpeg-js and typed arrays — no Node APIs.
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { areaResize, type GrayImage } from './area-resize';
import { IMAGE_PIXELS, IMAGE_SIDE } from './image';
import { ImageDecodeError, readImageHeader } from './image-header';

export { ImageDecodeError } from './image-header';

export interface ImageLimits {
  /** Largest accepted width or height, in pixels. */
  maxSide: number;
  /** Largest accepted width × height. */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxSide: 4096,
  maxPixels: 16 * 1024 * 1024,
});

/** Luma of ITU-R BT.601 (the weights of JPEG's YCbCr and of most grayscale conversions). */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Luminance and opacity in [0, 1] per pixel; `alpha` is null for opaque formats. */
interface DecodedGray extends GrayImage {
  alpha: Float32Array | null;
}

function decodePngGray(bytes: Uint8Array): DecodedGray {
  const png = decodePng(bytes);
  const { width, height, depth, channels, data } = png;
  const n = width * height;
  const gray = new Float32Array(n);
  // Only colour type 3 is indexed; a truecolour PNG may carry a suggested PLTE that must be ignored.
  const palette = channels === 1 ? png.palette : undefined;
  const hasAlpha = palette ? palette.some((entry) => entry.length > 3) : channels === 2 || channels === 4;
  const alpha = hasAlpha ? new Float32Array(n) : null;
  const max = (1 << depth) - 1;
  // Below 8 bits, samples are packed into bytes and every row starts on a byte (PNG spec §7.2).
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const sample = (x: number, y: number, channel: number): number => {
    if (depth >= 8) return data[(y * width + x) * channels + channel]!;
    const bit = (x * channels + channel) * depth;
    const byte = data[y * rowBytes + (bit >> 3)]!;
    return (byte >> (8 - depth - (bit & 7))) & max;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (palette) {
        const entry = palette[sample(x, y, 0)];
        if (!entry) throw new ImageDecodeError('PNG is corrupt: a pixel indexes past the palette');
        gray[i] = luma(entry[0]!, entry[1]!, entry[2]!) / 255;
        if (alpha) alpha[i] = (entry[3] ?? 255) / 255;
      } else if (channels >= 3) {
        gray[i] = luma(sample(x, y, 0), sample(x, y, 1), sample(x, y, 2)) / max;
        if (alpha) alpha[i] = sample(x, y, 3) / max;
      } else {
        gray[i] = sample(x, y, 0) / max;
        if (alpha) alpha[i] = sample(x, y, 1) / max;
      }
    }
  }
  return { width, height, gray, alpha };
}

function decodeJpegGray(bytes: Uint8Array, limits: ImageLimits): DecodedGray {
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    // Strict: a truncated or damaged JPEG is an error, not a half-grey picture.
    tolerantDecoding: false,
    maxResolutionInMP: limits.maxPixels / 1e6,
    // jpeg-js counts its component planes and output: a 4096² colour JPEG needs ≈ 290 MB by its
    // count, so 24 bytes a pixel lets every image within maxPixels through (measured).
    maxMemoryUsageInMB: Math.ceil((limits.maxPixels * 24) / (1024 * 1024)),
  });
  const n = image.width * image.height;
  const gray = new Float32Array(n);
  for (let i = 0; i < n; i++)
    gray[i] = luma(image.data[3 * i]!, image.data[3 * i + 1]!, image.data[3 * i + 2]!) / 255;
  return { width: image.width, height: image.height, gray, alpha: null };
}

/**
 * Transparent pixels show the backdrop that contrasts with the drawing: white behind dark
 * strokes, black behind light ones, so a drawing on a transparent canvas keeps its strokes
 * whatever their colour.
 */
function flattenAlpha({ width, height, gray, alpha }: DecodedGray): GrayImage {
  if (!alpha) return { width, height, gray };
  let weight = 0;
  let sum = 0;
  for (let i = 0; i < gray.length; i++) {
    weight += alpha[i]!;
    sum += alpha[i]! * gray[i]!;
  }
  const backdrop = weight > 0 && sum / weight < 0.5 ? 1 : 0;
  for (let i = 0; i < gray.length; i++) gray[i] = alpha[i]! * gray[i]! + (1 - alpha[i]!) * backdrop;
  return { width, height, gray };
}

/**
 * The background seen on the image's border (a frame one output pixel wide): whether it is light,
 * and its mean level. Light when most border pixels are above 0.5 — a dark drawing on paper, as
 * photos and scans are — so the image must be inverted to make ink = 1.
 */
function borderBackground({ width, height, gray }: GrayImage): { light: boolean; level: number } {
  const frame = Math.max(1, Math.floor(Math.min(width, height) / IMAGE_SIDE));
  let light = 0;
  let lightSum = 0;
  let dark = 0;
  let darkSum = 0;
  for (let y = 0; y < height; y++) {
    const edgeRow = y < frame || y >= height - frame;
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= frame && x < width - frame) continue;
      const v = gray[y * width + x]!;
      if (v > 0.5) {
        light++;
        lightSum += v;
      } else {
        dark++;
        darkSum += v;
      }
    }
  }
  return light > dark ? { light: true, level: lightSum / light } : { light: false, level: darkSum / dark };
}

/**
 * Decodes a PNG or JPEG and converts it to the model's input.
 *
 * 1. The header is read first; an unsupported format, a corrupt header or a declared size over
 *    `limits` is refused before any pixel is decoded.
 * 2. Colour → BT.601 luma; transparency is flattened onto a contrasting backdrop.
 * 3. Polarity and background are read on the full-size border: if it is mostly light (a dark
 *    drawing on paper, as photos and scans are), the image will be inverted so that ink = 1.
 * 4. Resized by area averaging (box filter), aspect ratio kept, longer side 28, centred on a
 *    28×28 canvas padded with background (0).
 * 5. Inverted if needed, then the border's background level b is mapped to 0:
 *    v ← clamp((v − b) / (1 − b), 0, 1), the identity on MNIST-like images (b = 0). Both are
 *    affine, so doing them after the resize changes nothing but the cost.
 */
export function imageTo28x28(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Float32Array {
  const header = readImageHeader(bytes);
  const { width, height } = header;
  if (width === 0 || height === 0)
    throw new ImageDecodeError(`Image declares an empty size ${width}×${height}`);
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) {
    throw new ImageDecodeError(
      `Image is too large: ${width}×${height} declared, the limit is ${limits.maxSide} pixels a side and ${limits.maxPixels} pixels in all`,
    );
  }
  let decoded: DecodedGray;
  try {
    decoded = header.format === 'png' ? decodePngGray(bytes) : decodeJpegGray(bytes, limits);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(
      `${header.format.toUpperCase()} cannot be decoded (corrupt, truncated or unsupported): ${message}`,
      {
        cause: error,
      },
    );
  }
  if (decoded.width !== width || decoded.height !== height) {
    throw new ImageDecodeError(
      `Image decodes to ${decoded.width}×${decoded.height}, its header says ${width}×${height}`,
    );
  }
  const image = flattenAlpha(decoded);
  const background = borderBackground(image);
  const scale = IMAGE_SIDE / Math.max(width, height);
  const outWidth = Math.max(1, Math.min(IMAGE_SIDE, Math.round(width * scale)));
  const outHeight = Math.max(1, Math.min(IMAGE_SIDE, Math.round(height * scale)));
  const small = areaResize(image, outWidth, outHeight);

  // Background in ink terms: at most 0.5, since it is the mean of the border's majority side.
  const backgroundInk = background.light ? 1 - background.level : background.level;
  const out = new Float32Array(IMAGE_PIXELS);
  const left = Math.floor((IMAGE_SIDE - outWidth) / 2);
  const top = Math.floor((IMAGE_SIDE - outHeight) / 2);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const v = small[y * outWidth + x]!;
      const polarised = background.light ? 1 - v : v;
      const level = (polarised - backgroundInk) / (1 - backgroundInk);
      out[(top + y) * IMAGE_SIDE + left + x] = Math.min(1, Math.max(0, level));
    }
  }
  return out;
}
