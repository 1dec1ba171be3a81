// Published models in an R2 bucket (layout in ./r2-layout.ts), over the bundled models as the fallback:
// a model with a `current` pointer in the bucket is served from the bucket, every other one from the
// bundle, so an empty bucket changes nothing.
//
// Hot swap: each pointer is re-read at most every `pointerTtlMs` (MODEL_POINTER_TTL_S, default 5 s), so a
// running worker picks up a publish or a rollback within that time, without a restart. A version's files
// are immutable, so their manifests are read once per isolate and cached by name@version; their graphs
// are read when a session is created.

import { type Manifest, ManifestSchema, type ModelIndex } from '../contract/manifest';
import { modelUnavailable } from '../http/api-error';
import { SessionCache, sessionKey } from '../runtime/session-cache';
import { toIssues } from '../schemas/issues';
import type { BucketObjectBody, ModelBucket } from './bucket';
import type { ModelStore, StoredModel } from './model-store';
import { BucketLayout, MANIFEST_FILE, VERSION_PATTERN } from './r2-layout';

export const DEFAULT_POINTER_TTL_MS = 5_000;

export interface R2StoreOptions {
  bucket: ModelBucket;
  /** Where in the bucket the models are (default `models/`). */
  root?: string;
  /** Where a model without a `current` pointer comes from: the bundled models. */
  fallback: ModelStore;
  /** How long a read pointer (and the list of published models) is trusted; 0 re-reads every time. */
  pointerTtlMs?: number;
  /** The clock, in ms (tests step it instead of sleeping). */
  now?: () => number;
}

interface Expiring<T> {
  value: Promise<T>;
  expires: number;
}

export class R2Store implements ModelStore {
  readonly bucket: ModelBucket;
  readonly layout: BucketLayout;
  readonly #fallback: ModelStore;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #pointers = new Map<string, Expiring<string | undefined>>();
  readonly #versions = new SessionCache<StoredModel>();
  #published: Expiring<string[]> | undefined;

  constructor({
    bucket,
    root,
    fallback,
    pointerTtlMs = DEFAULT_POINTER_TTL_MS,
    now = Date.now,
  }: R2StoreOptions) {
    this.bucket = bucket;
    this.layout = new BucketLayout(root);
    this.#fallback = fallback;
    this.#ttl = pointerTtlMs;
    this.#now = now;
  }

  /** The bundled index, plus every model published to the bucket (defaults stay the bundled ones). */
  async list(): Promise<ModelIndex> {
    const [index, published] = await Promise.all([this.#fallback.list(), this.#publishedNames()]);
    const extra = published.filter((name) => !index.models.includes(name));
    return extra.length === 0 ? index : { ...index, models: [...index.models, ...extra] };
  }

  async get(name: string): Promise<StoredModel | undefined> {
    const version = await this.currentVersion(name);
    if (version === undefined) return this.#fallback.get(name);
    return this.version(name, version);
  }

  /** The version `current` points at (undefined: not published, served from the bundle). */
  currentVersion(name: string): Promise<string | undefined> {
    return this.#cached(this.#pointers, name, async () => {
      const pointer = await this.bucket.get(this.layout.pointerKey(name));
      if (pointer === null) return undefined;
      const version = (await pointer.text()).trim();
      if (!VERSION_PATTERN.test(version)) {
        throw modelUnavailable(name, `its current pointer holds "${version.slice(0, 40)}", not a version`);
      }
      return version;
    });
  }

  /** One published version, read and checked against the manifest schema (its sha256 is checked later). */
  version(name: string, version: string): Promise<StoredModel> {
    return this.#versions.get(sessionKey(name, version), () => this.#readVersion(name, version));
  }

  /** Forget what this isolate read about `name`'s pointer (after an admin moved it here). */
  invalidate(name: string): void {
    this.#pointers.delete(name);
    this.#published = undefined;
  }

  async #readVersion(name: string, version: string): Promise<StoredModel> {
    const manifestText = await this.#read(name, version, MANIFEST_FILE, (o) => o.text());
    const manifest = parseManifest(name, version, manifestText);
    let vocab: unknown;
    if (manifest.input.layout === 'token-ids') {
      const text = await this.#read(name, version, manifest.input.tokenizer.file, (o) => o.text());
      vocab = parseJson(text);
    }
    // Graphs are read when asked for (the registry does so once per session it creates), not kept here.
    const read = (file: string) => this.#read(name, version, file, (o) => o.arrayBuffer());
    return { manifest, read, vocab };
  }

  async #read<T>(
    name: string,
    version: string,
    file: string,
    as: (object: BucketObjectBody) => Promise<T>,
  ): Promise<T> {
    const object = await this.bucket.get(this.layout.fileKey(name, version, file));
    if (object === null) throw modelUnavailable(name, `version ${version} has no ${file} in the bucket`);
    return as(object);
  }

  #publishedNames(): Promise<string[]> {
    const now = this.#now();
    if (this.#published === undefined || this.#published.expires <= now) {
      const value = this.#listPublished();
      this.#published = { value, expires: now + this.#ttl };
      value.catch(() => {
        if (this.#published?.value === value) this.#published = undefined;
      });
    }
    return this.#published.value;
  }

  async #listPublished(): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const { root } = this.layout;
      const page = await this.bucket.list({ prefix: root, delimiter: '/', cursor });
      for (const prefix of page.delimitedPrefixes) names.push(prefix.slice(root.length, -1));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
    // Only models with a readable `current`: uploaded-but-never-published versions stay invisible.
    const current = await Promise.all(
      names.map((name) =>
        this.currentVersion(name).then(
          (v) => v !== undefined,
          () => false,
        ),
      ),
    );
    return names.filter((_, i) => current[i]);
  }

  #cached<T>(cache: Map<string, Expiring<T>>, key: string, read: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.expires > now) return hit.value;
    const value = read();
    cache.set(key, { value, expires: now + this.#ttl });
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  }
}

/** A stored manifest.json, checked like a bundled one, and against the path it was published under. */
export function parseManifest(name: string, version: string, text: string): Manifest {
  const parsed = ManifestSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    const problems = toIssues(parsed.error, 'manifest').map((issue) => `${issue.path}: ${issue.message}`);
    throw modelUnavailable(
      name,
      `the manifest.json of version ${version} does not match the manifest schema (${problems.join('; ')})`,
    );
  }
  if (parsed.data.name !== name || parsed.data.version !== version) {
    const { name: other, version: otherVersion } = parsed.data;
    throw modelUnavailable(
      name,
      `the manifest.json published as ${name}@${version} says it is ${other}@${otherVersion}`,
    );
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the schema (or the vocabulary check) then says what is wrong
  }
}
