// Reads an image's format and declared size from its header alone, before any pixel is decoded,
// so that oversized images (PNG/JPEG "bombs") are refused before they cost memory.
// No Node APIs: the worker imports this file too.

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** The one error type of image decoding: unsupported, corrupt or oversized input. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((byte, i) => bytes[i] === byte);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function uint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** PNG spec §11.2.2: the first chunk is IHDR (length 13): width, height, bit depth, colour type … */
function pngHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 8 + 8 + 13)
    throw new ImageDecodeError('PNG is truncated before the end of its IHDR header');
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== 'IHDR' || uint32(bytes, 8) !== 13) {
    throw new ImageDecodeError(`PNG is corrupt: its first chunk is "${type}", not a 13-byte IHDR`);
  }
  return { format: 'png', width: uint32(bytes, 16), height: uint32(bytes, 20) };
}

/**
 * JPEG (ITU-T T.81 §B.1.1): a sequence of markers FF xx; every marker from SOI to SOS except the
 * standalone ones carries a 2-byte length. The frame header SOFn (C0–CF except C4 DHT, C8 JPG,
 * CC DAC) holds precision (1 byte), height (2), width (2).
 */
function jpegHeader(bytes: Uint8Array): ImageHeader {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new ImageDecodeError(`JPEG is corrupt: no marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // standalone markers: TEM, RSTn
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // SOS / EOI before any frame header
    const length = uint16(bytes, at + 2);
    if (length < 2) throw new ImageDecodeError(`JPEG is corrupt: segment length ${length} at byte ${at}`);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (length < 7 || at + 9 > bytes.length)
        throw new ImageDecodeError('JPEG is truncated in its frame header');
      return { format: 'jpeg', width: uint16(bytes, at + 7), height: uint16(bytes, at + 5) };
    }
    at += 2 + length;
  }
  throw new ImageDecodeError('JPEG is corrupt or truncated: no frame header (SOF) before the image data');
}

/** Format and declared size; throws {@link ImageDecodeError} for anything but PNG and JPEG. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (isPng(bytes)) return pngHeader(bytes);
  if (isJpeg(bytes)) return jpegHeader(bytes);
  throw new ImageDecodeError('Unsupported image format: expected PNG or JPEG');
}
