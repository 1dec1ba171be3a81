// The write side of the R2 model store, for the admin routes: upload a version's files (each checked
// against the sha256 the publisher sent; a version is immutable once written), check that a version is
// whole before it goes live, and move the `current` pointer.

/** The bucket and where the models are in it (an R2Store is one). */
export interface Published {
  bucket: ModelBucket;
  layout: BucketLayout;
}

import type { Manifest } from '../contract/manifest';
import { ApiError, invalidInput } from '../http/api-error';
import type { ModelBucket } from '../store/bucket';
import {
  type BucketLayout,
  compareVersions,
  FILE_PATTERN,
  filesOf,
  MANIFEST_FILE,
  VERSION_PATTERN,
} from '../store/r2-layout';
import { parseManifest } from '../store/r2-store';
import { sha256Hex } from '../store/sha256';

export interface StoredFile {
  file: string;
  bytes: number;
  sha256: string | undefined;
  uploaded: string;
}

export interface VersionListing {
  model: string;
  current: string | null;
  /** Oldest first (semantic-version order). */
  versions: { version: string; files: StoredFile[] }[];
}

export function checkVersionPath(version: string, file?: string): void {
  if (!VERSION_PATTERN.test(version)) {
    throw invalidInput([{ path: 'params.version', message: 'must be MAJOR.MINOR.PATCH, e.g. 1.2.0' }]);
  }
  if (file !== undefined && !FILE_PATTERN.test(file)) {
    throw invalidInput([
      {
        path: 'params.file',
        message: 'must be a file name ending in .onnx, .json, .bin or .gz (letters, digits, . _ -)',
      },
    ]);
  }
}

export async function listVersions({ bucket, layout }: Published, name: string): Promise<VersionListing> {
  const byVersion = new Map<string, StoredFile[]>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: layout.versionsPrefix(name),
      cursor,
      include: ['customMetadata'],
    });
    for (const object of page.objects) {
      const [version, file] = object.key.slice(layout.versionsPrefix(name).length).split('/');
      if (version === undefined || file === undefined) continue;
      const files = byVersion.get(version) ?? [];
      files.push({
        file,
        bytes: object.size,
        sha256: object.customMetadata?.sha256,
        uploaded: object.uploaded.toISOString(),
      });
      byVersion.set(version, files);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  const pointer = await bucket.get(layout.pointerKey(name));
  const current = pointer === null ? null : (await pointer.text()).trim();
  const versions = [...byVersion.entries()]
    .sort(([a], [b]) => compareVersions(a, b))
    .map(([version, files]) => ({ version, files }));
  return { model: name, current, versions };
}

export interface PutResult {
  model: string;
  version: string;
  file: string;
  sha256: string;
  bytes: number;
  /** false when the same bytes were there already (a retried upload). */
  created: boolean;
}

/**
 * Stores one file of a version. Refused (400) when the body's sha256 is not the one the publisher
 * claims, or a manifest.json fails the schema or names another model or version; refused (409) when
 * the version already holds different bytes under that name. Nothing is written when it is refused.
 */
export async function putVersionFile(
  { bucket, layout }: Published,
  name: string,
  version: string,
  file: string,
  body: ArrayBuffer,
  claimedSha256: string | undefined,
): Promise<PutResult> {
  checkVersionPath(version, file);
  if (claimedSha256 === undefined || !/^[0-9a-f]{64}$/.test(claimedSha256)) {
    throw invalidInput([
      {
        path: 'headers.x-content-sha256',
        message: 'must be the sha256 of the body, 64 lowercase hex characters',
      },
    ]);
  }
  const sha256 = await sha256Hex(body);
  if (sha256 !== claimedSha256) {
    throw new ApiError(
      400,
      'invalid_input',
      `The upload of ${file} is corrupt: its sha256 is ${sha256}, but X-Content-SHA256 says ${claimedSha256}; nothing was stored`,
    );
  }
  if (file === MANIFEST_FILE) {
    try {
      parseManifest(name, version, new TextDecoder().decode(body));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const reason = error.message.replace(/^Model "[^"]+" is unavailable: /, '');
      throw new ApiError(
        400,
        'invalid_input',
        `${reason[0]!.toUpperCase()}${reason.slice(1)}; nothing was stored`,
      );
    }
  }
  const key = layout.fileKey(name, version, file);
  const existing = await bucket.head(key);
  if (existing !== null) {
    if (existing.customMetadata?.sha256 === sha256) {
      return { model: name, version, file, sha256, bytes: body.byteLength, created: false };
    }
    throw new ApiError(
      409,
      'conflict',
      `Version ${version} of "${name}" already has a different ${file}; versions are immutable, publish a new version`,
    );
  }
  // R2 checks the sha256 again on its side and refuses the write if the bytes changed on the way.
  await bucket.put(key, body, { sha256, customMetadata: { sha256 } });
  return { model: name, version, file, sha256, bytes: body.byteLength, created: true };
}

/** A version may go live only when its manifest passes the schema and every file it names is there, intact. */
export async function verifyVersion(
  { bucket, layout }: Published,
  name: string,
  version: string,
): Promise<Manifest> {
  checkVersionPath(version);
  const refuse = (reason: string) =>
    new ApiError(409, 'conflict', `Version ${version} of "${name}" cannot go live: ${reason}`);
  const manifestObject = await bucket.get(layout.fileKey(name, version, MANIFEST_FILE));
  if (manifestObject === null) throw refuse(`it has no ${MANIFEST_FILE}`);
  let manifest: Manifest;
  try {
    manifest = parseManifest(name, version, await manifestObject.text());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw refuse(error.message.replace(/^Model "[^"]+" is unavailable: /, ''));
  }
  for (const { file, sha256 } of filesOf(manifest)) {
    const object = await bucket.get(layout.fileKey(name, version, file));
    if (object === null) throw refuse(`${file} has not been uploaded`);
    const actual = await sha256Hex(await object.arrayBuffer());
    if (actual !== sha256)
      throw refuse(`the sha256 of ${file} is ${actual}, but its manifest says ${sha256}`);
  }
  return manifest;
}

export interface PointerMove {
  model: string;
  current: string;
  previous: string | null;
}

export async function movePointer(
  { bucket, layout }: Published,
  name: string,
  version: string,
): Promise<PointerMove> {
  await verifyVersion({ bucket, layout }, name, version);
  const pointer = await bucket.get(layout.pointerKey(name));
  const previous = pointer === null ? null : (await pointer.text()).trim();
  await bucket.put(layout.pointerKey(name), version, {
    customMetadata: { previous: previous ?? '', movedAt: new Date().toISOString() },
  });
  return { model: name, current: version, previous };
}
