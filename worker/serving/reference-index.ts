// A model version's reference index in this isolate (issue 18): its files read, checked against their
// sha256 in the manifest (as graphs are, ./open-model.ts) and against the format (a file altered after it
// was hashed), and kept for /v1/neighbors. Opened on the first request that searches it, not with the
// version's sessions: an index is larger than most graphs, and most requests never search one. The
// registry opens it inside its fallback (ModelRegistry.forTask), so a version whose index is broken leaves
// the version served before answering, like a broken graph does.
//
// ReferenceMemory holds the indexes and the decoded reference images and labels under their share of the
// memory budget (./memory-budget.ts, REFERENCE_BYTES): a least recently used pool (./session-pool.ts), each
// item charged what it will hold before it is read, so that an index counts against the budget like a
// session does. It is a share of its own, not room in the sessions' pool, because this is JavaScript memory
// and ORT's WebAssembly heap never shrinks: room a session once took in the heap cannot be lent to an index
// later. Images and labels are kept once per sha256, however many models and versions share them.

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
import { mib, referenceIndexBytes } from './memory-budget';
import { OverBudgetError, SessionPool } from './session-pool';

export interface ReferenceIndex {
  reference: Reference;
  vectors: ReferenceVectors;
  labels: Uint8Array;
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
  return { reference, vectors, labels };
}

/** What the reference data of this isolate holds against its share of the budget (GET /healthz). */
export interface ReferenceUsage {
  /** The share of the memory budget for reference data (REFERENCE_BYTES unless the app says otherwise). */
  budgetBytes: number;
  /** The charges of what is held now: every entry below. */
  chargedBytes: number;
  /** Indexes and files released to make room so far. */
  evictions: number;
  /** The indexes opened for /v1/neighbors, by name@version: int8 rows, their lengths, labels. */
  indexes: { model: string; bytes: number }[];
  /** Files read for GET /v1/models/:name/reference/:index (images gunzipped, labels), once per sha256. */
  files: { file: string; sha256: string; bytes: number }[];
}

/** An item of the pool: what it holds and how /healthz names it; releasing it drops the reference. */
type Held<T> = { value: T; describe: ReferenceHolding; release: () => Promise<void> };
type ReferenceHolding =
  | { kind: 'index'; model: string; bytes: number }
  | { kind: 'file'; file: string; sha256: string; bytes: number };

const held = <T>(value: T, describe: ReferenceHolding): Held<T> => ({
  value,
  describe,
  release: () => Promise.resolve(),
});

export class ReferenceMemory {
  readonly #pool: SessionPool<Held<unknown>>;
  readonly #budgetBytes: number;

  /** `available`: the share of the budget for reference data; `budgetBytes`: the whole budget, for errors. */
  constructor(available: number, budgetBytes: number) {
    this.#pool = new SessionPool(available);
    this.#budgetBytes = budgetBytes;
  }

  /** The index of `manifest`'s version, read and checked once; 503 when it cannot fit the share. */
  async index(manifest: Manifest, read: StoredModel['read']): Promise<ReferenceIndex> {
    const { name, version, reference } = manifest;
    if (reference === undefined)
      throw modelUnavailable(name, 'it lists task "neighbors" but has no reference index');
    const model = sessionKey(name, version);
    const bytes = referenceIndexBytes(reference);
    return this.#held(name, 'reference index', `index ${model}`, bytes, async () =>
      held(await openReferenceIndex(manifest, read), { kind: 'index', model, bytes }),
    );
  }

  /** Forgets the index of a version that no longer serves (it is released after the searches queued). */
  forget(name: string, version: string): void {
    void this.#pool.evict(`index ${sessionKey(name, version)}`);
  }

  /** The reference images of `manifest`'s index, gunzipped: count × 784 bytes, 255 = ink. */
  images(manifest: Manifest, read: StoredModel['read']): Promise<Uint8Array> {
    const { name, reference } = manifest;
    const spec = reference?.images;
    if (reference === undefined || spec === undefined) {
      return Promise.reject(modelUnavailable(name, 'its reference index has no images file'));
    }
    const bytes = reference.count * IMAGE_PIXELS;
    return this.#held(name, 'reference images', `file ${spec.sha256}`, bytes, async () => {
      const gzipped = await checkedFile(name, read, spec);
      let pixels: Uint8Array;
      try {
        const stream = new Response(gzipped).body!.pipeThrough(new DecompressionStream('gzip'));
        pixels = new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (error) {
        throw modelUnavailable(name, `${spec.file} is not gzip: ${(error as Error).message}`, error);
      }
      if (pixels.byteLength !== bytes) {
        throw modelUnavailable(
          name,
          `${spec.file} holds ${pixels.byteLength} bytes of pixels, but ${reference.count} images of ${IMAGE_PIXELS} take ${bytes}`,
        );
      }
      return held(pixels, { kind: 'file', file: spec.file, sha256: spec.sha256, bytes });
    });
  }

  /** The class of every reference item, checked; shared like the images (one sha256, one copy). */
  labels(manifest: Manifest, read: StoredModel['read']): Promise<Uint8Array> {
    const { name, reference } = manifest;
    if (reference === undefined) return Promise.reject(modelUnavailable(name, 'it has no reference index'));
    const spec = reference.labels;
    return this.#held(name, 'reference labels', `file ${spec.sha256}`, reference.count, async () => {
      const bytes = await checkedFile(name, read, spec);
      const labels = decoded(name, spec.file, () =>
        decodeReferenceLabels(bytes, reference.count, reference.classNames.length),
      );
      return held(labels, { kind: 'file', file: spec.file, sha256: spec.sha256, bytes: labels.byteLength });
    });
  }

  usage(): ReferenceUsage {
    const holdings = this.#pool.open().map(({ value }) => value.describe);
    return {
      budgetBytes: this.#pool.available,
      chargedBytes: this.#pool.charged,
      evictions: this.#pool.evictions,
      indexes: holdings.flatMap((h) => (h.kind === 'index' ? [{ model: h.model, bytes: h.bytes }] : [])),
      files: holdings.flatMap((h) =>
        h.kind === 'file' ? [{ file: h.file, sha256: h.sha256, bytes: h.bytes }] : [],
      ),
    };
  }

  /** One item of the pool (opened once, shared by concurrent requests; a failure is not kept). */
  async #held<T>(
    name: string,
    what: string,
    key: string,
    charge: number,
    load: () => Promise<Held<T>>,
  ): Promise<T> {
    try {
      return (await this.#pool.get(key, charge, load as () => Promise<Held<unknown>>)).value as T;
    } catch (error) {
      if (!(error instanceof OverBudgetError)) throw error;
      throw modelUnavailable(
        name,
        `it needs ${mib(charge)} for its ${what}, more than the memory budget leaves for reference data: ` +
          `${mib(this.#pool.available)} of ORT_MEMORY_BUDGET_MIB = ${this.#budgetBytes / 2 ** 20}`,
      );
    }
  }
}
