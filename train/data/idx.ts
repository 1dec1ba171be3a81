import { gunzipSync } from 'node:zlib';
import { DatasetError } from './dataset';

/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 * a big-endian magic number 0x0000TTDD (TT = element type, 0x08 = unsigned byte; DD = number of
 * dimensions), DD big-endian uint32 sizes, then the elements row-major.
 */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, 0 = background, 255 = ink. A view into the file, not a copy. */
  pixels: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

/** Returns the raw IDX bytes, gunzipping when the file starts with the gzip magic 1f 8b. */
export function unpackIdx(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    throw new DatasetError(`${source} is not a valid gzip file (${(error as Error).message})`, {
      cause: error,
    });
  }
}

function hex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}

/** Checks magic, header and length; returns the dimension sizes and the data that follows. */
function readIdx(
  bytes: Uint8Array,
  source: string,
  magic: number,
  what: string,
): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4)
    throw new DatasetError(`${source} is truncated: ${bytes.length} bytes, no IDX magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new DatasetError(
      `${source} is not an IDX ${what} file: magic number ${hex(found)}, expected ${hex(magic)}`,
    );
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      `${source} is truncated: ${bytes.length} bytes, shorter than the ${headerBytes}-byte IDX header`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((product, size) => product * size, 1);
  const declared = `${expected} bytes of data${rank > 1 ? ` (${dims.join(' × ')})` : ''}`;
  const available = bytes.length - headerBytes;
  if (available < expected) {
    throw new DatasetError(
      `${source} is truncated: its header declares ${declared}, the file holds ${available}`,
    );
  }
  if (available > expected) {
    throw new DatasetError(
      `${source} has ${available - expected} unexpected bytes after the ${declared} its header declares`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  const { dims, data } = readIdx(unpackIdx(bytes, source), source, IDX_IMAGES_MAGIC, 'images');
  const [count, rows, cols] = dims as [number, number, number];
  if (count === 0 || rows === 0 || cols === 0) {
    throw new DatasetError(`${source} declares an empty image set (${count} × ${rows} × ${cols})`);
  }
  return { count, rows, cols, pixels: data };
}

export function parseIdxLabels(bytes: Uint8Array, source: string): IdxLabels {
  const { dims, data } = readIdx(unpackIdx(bytes, source), source, IDX_LABELS_MAGIC, 'labels');
  const [count] = dims as [number];
  if (count === 0) throw new DatasetError(`${source} declares no labels`);
  return { count, labels: data };
}
