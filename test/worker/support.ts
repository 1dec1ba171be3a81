// Shared by the worker tests: the digits fixture, the bundled models, and request helpers.

import { env } from 'cloudflare:workers';
import { type Manifest, ManifestSchema, ModelIndexSchema } from '../../worker/contract/manifest';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { type BundledModels, BundledStore } from '../../worker/store/bundled-store';
import { assetModelFiles, type ModelFileReader } from '../../worker/store/model-files';
import digits from './fixtures/digits.json';
import fashion from './fixtures/fashion.json';

export { digits, fashion };

export const index = ModelIndexSchema.parse(bundledModels.index);

/** The manifest of a bundled model, as committed under models/. */
export function bundledManifest(name: string): Manifest {
  const entry = bundledModels.models[name];
  if (entry === undefined) throw new Error(`no bundled model "${name}"`);
  return ManifestSchema.parse(entry.manifest);
}

/**
 * `manifest` without its reference index (and task "neighbors"): what a test publishes when it uploads the
 * graphs but not the index files (a version is served only once every file its manifest names is there).
 */
export function withoutReference<M extends { tasks: readonly string[]; reference?: unknown }>(
  manifest: M,
): M {
  const { reference: _reference, ...rest } = manifest;
  return { ...rest, tasks: manifest.tasks.filter((task) => task !== 'neighbors') } as unknown as M;
}

/** `manifest` with its float graph alone: without its int8 variants and without its reference index. */
export function graphOnly<M extends { tasks: readonly string[]; reference?: unknown; variants?: unknown }>(
  manifest: M,
): M {
  const { variants: _variants, ...rest } = withoutReference(manifest);
  return rest as M;
}

/**
 * 16 test-split images of the dataset `manifest` was trained on (scripts/make-fixtures.ts), each pixel
 * the exact float32 the API computes with, so an answer's images compare equal to pixels moved exactly.
 */
export function testImagesFor(manifest: Manifest): number[][] {
  const { name } = manifest.dataset;
  const images = { mnist: digits.digits, 'fashion-mnist': fashion.images }[name as string];
  if (images === undefined) throw new Error(`no test image fixture for "${name}" (scripts/make-fixtures.ts)`);
  return images.map(({ pixels }) => pixels.map(Math.fround));
}

/**
 * A test title that says why the test is skipped, when it is (`reason` defined); the reason is printed
 * too, so nothing skips silently. Use with it.skipIf(reason !== undefined).
 */
export function titled(title: string, reason: string | undefined): string {
  if (reason === undefined) return title;
  console.warn(`skipped "${title}": ${reason}`);
  return `${title} (skipped: ${reason})`;
}

/** The bundled models' graphs, read like the worker reads them: from the static assets (ASSETS binding). */
export const bundledFiles: ModelFileReader = assetModelFiles(env.ASSETS);

/** One graph of a bundled model (default model.onnx); throws if the build did not deploy it. */
export async function bundledGraph(name: string, file = 'model.onnx'): Promise<ArrayBuffer> {
  const bytes = await bundledFiles(name, file);
  if (bytes === undefined) throw new Error(`no static asset for ${name}/${file}`);
  return bytes;
}

/** Extra models (manifest, graph bytes by file name) as a store would hold them, over `base`'s files. */
export interface ExtraModel {
  manifest: unknown;
  files?: Readonly<Record<string, ArrayBuffer>>;
  vocab?: unknown;
}

/** A BundledStore over `bundle` plus `extra` models whose graphs come from memory, not the assets. */
export function storeWith(
  bundle: BundledModels,
  extra: Readonly<Record<string, ExtraModel>> = {},
  base: ModelFileReader = bundledFiles,
): BundledStore {
  const models = { ...bundle.models };
  for (const [name, { manifest, vocab }] of Object.entries(extra)) {
    models[name] = vocab === undefined ? { manifest } : { manifest, vocab };
  }
  const files: ModelFileReader = async (model, file) =>
    Object.hasOwn(extra, model) ? extra[model]!.files?.[file]?.slice(0) : base(model, file);
  return new BundledStore({ index: bundle.index, models }, files);
}

export const jsonInit = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** An image of 784 equal pixels. */
export const flatImage = (value: number): number[] => Array.from({ length: 784 }, () => value);

/** Status and parsed body together, so one inline snapshot pins both. */
export async function statusAndBody(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}

/** Largest |a − b| over two vectors of equal length (batching may change float sums in the last bits). */
export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

/** Bytes as base64, without Node's Buffer (workerd has none). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The first 33 bytes of a PNG (signature and IHDR) declaring `width`×`height`: all a decoder needs to
 * allocate the pixels, so a "PNG bomb" unless the declared size is checked first. The CRC is not
 * checked by header readers, so it is left zero.
 */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 2, 0, 0, 0], 24); // 8-bit RGB, deflate, no filter, no interlace
  return bytes;
}

/** images as an application/octet-stream body: float32 little-endian, N×784. */
export function float32Init(
  images: readonly (readonly number[])[],
  query = '',
): RequestInit & { query: string } {
  const body = new Uint8Array(images.length * 784 * 4);
  const view = new DataView(body.buffer);
  images.flat().forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, query };
}

/** A float32 little-endian answer as rows of its X-Shape. */
export async function float32Rows(response: Response): Promise<number[][]> {
  const [rows, columns] = (response.headers.get('x-shape') ?? '0,0').split(',').map(Number) as [
    number,
    number,
  ];
  const view = new DataView(await response.arrayBuffer());
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: columns }, (_, c) => view.getFloat32((r * columns + c) * 4, true)),
  );
}

/** The model endpoints that take images, with the task each needs in a manifest. */
export const IMAGE_ENDPOINTS = [
  { path: '/v1/embed', task: 'embed' },
  { path: '/v1/reconstruct', task: 'reconstruct' },
  { path: '/v1/denoise', task: 'denoise' },
  { path: '/v1/cluster', task: 'cluster' },
  { path: '/v1/rotation', task: 'rotation' },
  { path: '/v1/jigsaw', task: 'jigsaw' },
  { path: '/v1/classify', task: 'classify' },
] as const;
