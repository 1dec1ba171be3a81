// The page's images are what the models take (DESIGN.md, "Data conventions"): 784 float32 values in
// [0, 1], 28×28 row-major, 1 = ink. The page keeps them on the 8-bit grid (k/255) that a canvas and the
// datasets' IDX files have, so a drawing survives the trip through a shared link bit for bit.

import { IMAGE_PIXELS as PIXELS } from '../../contract/image';

export function fromBytes(bytes: Uint8Array): Float32Array {
  return Float32Array.from(bytes, (b) => b / 255);
}

export function toBytes(image: Float32Array): Uint8Array {
  return Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

/** Snaps every value onto the k/255 grid. */
export function quantize(image: Float32Array): Float32Array {
  return fromBytes(toBytes(image));
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipeThrough(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const piped = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

/** A drawing as a short URL-safe string: its 784 bytes, deflated (mostly background, so ≈ 150 characters). */
export async function encodeImage(image: Float32Array): Promise<string> {
  return toBase64Url(await pipeThrough(toBytes(image), new CompressionStream('deflate-raw')));
}

/** The inverse of encodeImage; throws on anything that is not 784 deflated bytes. */
export async function decodeImage(text: string): Promise<Float32Array> {
  const bytes = await pipeThrough(fromBase64Url(text), new DecompressionStream('deflate-raw'));
  if (bytes.length !== PIXELS) throw new Error(`a drawing has ${PIXELS} pixels, this one ${bytes.length}`);
  return fromBytes(bytes);
}

/** gunzips a fetched file (onnxruntime's wasm binaries are served gzipped, see scripts/build-demo.ts). */
export async function gunzip(response: Response): Promise<ArrayBuffer> {
  if (!response.ok || response.body === null) throw new Error(`${response.url}: HTTP ${response.status}`);
  return new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
}
