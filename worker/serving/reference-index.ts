// A model version's reference index in this isolate (issue 18): its files read, checked against their
// sha256 in the manifest (as graphs are, ./open-model.ts) and against the format (a file altered after it
// was hashed), and kept for /v1/neighbors. Opened on the first request that searches it, not with the
// version's sessions: an index is larger than most graphs, and most requests never search one. The
// registry opens it inside its fallback (ModelRegistry.forTask), so a version whose index is broken leaves
// the version served before answering, like a broken graph does.
//
// ReferenceMemory holds what the indexes and reference images cost in memory, for /healthz and for a
// memory budget to count: an index lives as long as its version's sessions (released together), the
// decoded reference images are shared by every model and version built on the same images (one sha256).

import { IMAGE_PIXELS } from '../contract/image';
import type { Manifest, Reference } from '../contract/manifest';
import {
  decodeReferenceLabels,
  decodeReferenceVectors,
  ReferenceFormatError,
  type ReferenceVectors,
} from '../contract/reference-index';
import { modelUnavailable } from '../http/api-error';
import { sessionKey } from '../runtime/session-cache';
import type { StoredModel } from '../store/model-store';
import { sha256Hex } from '../store/sha256';
import type { OpenedModel } from './open-model';

export interface ReferenceIndex {
  reference: Reference;
  vectors: ReferenceVectors;
  labels: Uint8Array;
  /** Bytes held: the int8 rows, their lengths (a float64 each) and the labels. */
  bytes: number;
}

type FileSpec = { file: string; sha256: string; bytes: number };

/** One file of the version, read and checked against the sha256 and size its manifest records. */
export async function checkedFile(
  name: string,
  read: StoredModel['read'],
  { file, sha256, bytes }: FileSpec,
): Promise<ArrayBuffer> {
  const content = await read(file);
  const actual = await sha256Hex(content);
  if (actual !== sha256) {
    throw modelUnavailable(name, `the sha256 of ${file} is ${actual}, but its manifest says ${sha256}`);
  }
  if (content.byteLength !== bytes) {
    throw modelUnavailable(name, `${file} has ${content.byteLength} bytes, but its manifest says ${bytes}`);
  }
  return content;
}

/** A file whose bytes are right but whose content is not a reference file: 503, naming the file. */
function decoded<T>(name: string, file: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof ReferenceFormatError)) throw error;
    throw modelUnavailable(name, `${file} does not hold what its manifest says: it ${error.message}`);
  }
}

export async function openReferenceIndex(
  manifest: Manifest,
  read: StoredModel['read'],
): Promise<ReferenceIndex> {
  const { name, reference } = manifest;
  if (reference === undefined)
    throw modelUnavailable(name, 'it lists task "neighbors" but has no reference index');
  const { count, dims, classNames } = reference;
  const [vectorBytes, labelBytes] = await Promise.all([
    checkedFile(name, read, reference.vectors),
    checkedFile(name, read, reference.labels),
  ]);
  const vectors = decoded(name, reference.vectors.file, () =>
    decodeReferenceVectors(vectorBytes, count, dims),
  );
  const labels = decoded(name, reference.labels.file, () =>
    decodeReferenceLabels(labelBytes, count, classNames.length),
  );
  const bytes = vectors.codes.byteLength + vectors.inverseLengths.byteLength + labels.byteLength;
  return { reference, vectors, labels, bytes };
}

/** What the reference indexes and images of this isolate hold in memory. */
export interface ReferenceUsage {
  /** Every byte below, together. */
  bytes: number;
  /** The indexes opened for /v1/neighbors (ReferenceIndex.bytes), by name@version; freed with its sessions. */
  indexes: { model: string; bytes: number }[];
  /**
   * Files read for GET /v1/models/:name/reference/:index (images gunzipped, labels), kept once per
   * sha256 however many models and versions share them.
   */
  files: { file: string; sha256: string; bytes: number }[];
}

export class ReferenceMemory {
  readonly #indexes = new Map<string, number>();
  readonly #images = new Map<string, Promise<Uint8Array>>();
  readonly #labels = new Map<string, Promise<Uint8Array>>();
  readonly #files = new Map<string, { file: string; bytes: number }>();

  /**
   * Gives an opened version a lazy `reference()`: its index, opened once (a failure is not kept, so a
   * later request retries), and forgotten when the version's sessions are released.
   */
  attach(opened: OpenedModel, stored: StoredModel): OpenedModel {
    const { manifest } = opened;
    if (manifest.reference === undefined) return opened;
    const key = sessionKey(manifest.name, manifest.version);
    let index: Promise<ReferenceIndex> | undefined;
    let released = false;
    const release = opened.release;
    return {
      ...opened,
      reference: () => {
        if (index === undefined) {
          const opening = openReferenceIndex(manifest, stored.read);
          index = opening;
          opening.then(
            (loaded) => {
              if (!released) this.#indexes.set(key, loaded.bytes);
            },
            () => {
              if (index === opening) index = undefined;
            },
          );
        }
        return index;
      },
      release: async () => {
        released = true;
        this.#indexes.delete(key);
        await release();
      },
    };
  }

  /** The reference images of `manifest`'s index, gunzipped: count × 784 bytes, 255 = ink. */
  images(manifest: Manifest, read: StoredModel['read']): Promise<Uint8Array> {
    const { name, reference } = manifest;
    const spec = reference?.images;
    if (reference === undefined || spec === undefined) {
      return Promise.reject(modelUnavailable(name, 'its reference index has no images file'));
    }
    return this.#cached(this.#images, spec.sha256, async () => {
      const gzipped = await checkedFile(name, read, spec);
      let pixels: Uint8Array;
      try {
        const stream = new Response(gzipped).body!.pipeThrough(new DecompressionStream('gzip'));
        pixels = new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (error) {
        throw modelUnavailable(name, `${spec.file} is not gzip: ${(error as Error).message}`, error);
      }
      if (pixels.byteLength !== reference.count * IMAGE_PIXELS) {
        throw modelUnavailable(
          name,
          `${spec.file} holds ${pixels.byteLength} bytes of pixels, but ${reference.count} images of ${IMAGE_PIXELS} take ${reference.count * IMAGE_PIXELS}`,
        );
      }
      this.#files.set(spec.sha256, { file: spec.file, bytes: pixels.byteLength });
      return pixels;
    });
  }

  /** The class of every reference item, checked; shared like the images (one sha256, one copy). */
  labels(manifest: Manifest, read: StoredModel['read']): Promise<Uint8Array> {
    const { name, reference } = manifest;
    if (reference === undefined) return Promise.reject(modelUnavailable(name, 'it has no reference index'));
    return this.#cached(this.#labels, reference.labels.sha256, async () => {
      const bytes = await checkedFile(name, read, reference.labels);
      const labels = decoded(name, reference.labels.file, () =>
        decodeReferenceLabels(bytes, reference.count, reference.classNames.length),
      );
      this.#files.set(reference.labels.sha256, { file: reference.labels.file, bytes: labels.byteLength });
      return labels;
    });
  }

  usage(): ReferenceUsage {
    const indexes = [...this.#indexes].map(([model, bytes]) => ({ model, bytes }));
    const files = [...this.#files].map(([sha256, { file, bytes }]) => ({ file, sha256, bytes }));
    const bytes = [...indexes, ...files].reduce((sum, entry) => sum + entry.bytes, 0);
    return { bytes, indexes, files };
  }

  #cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = load();
      cache.set(key, pending);
      pending.catch(() => {
        if (cache.get(key) === pending) cache.delete(key);
      });
    }
    return pending;
  }
}
