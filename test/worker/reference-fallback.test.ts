// A reference index is checked like a graph (issue 18): its files against the sha256 and size in the
// manifest and against their format, before the first search. A broken one is a 503 for that model's
// neighbours only (its other tasks, and every other model, answer on), and after a bad publish the
// version served before keeps answering /v1/neighbors, through the admin API as a publisher uses it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../worker/app';
import { graphFiles, type Manifest } from '../../worker/contract/manifest';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import type { BucketLayout } from '../../worker/store/r2-layout';
import {
  bucket,
  freshLayout,
  type Isolate,
  isolate,
  moveCurrent,
  publishVersion,
  sha256Of,
  upload,
} from './r2-support';
import { bundledGraph, bundledManifest, digits, jsonInit, statusAndBody, storeWith } from './support';

const NAME = 'mnist-mlp-ae';
const manifest = bundledManifest(NAME);
const reference = manifest.reference!;
const files: Record<string, ArrayBuffer> = {
  // Every graph the manifest names (its int8 variant too): a version goes live only with all its files.
  ...Object.fromEntries(
    await Promise.all(graphFiles(manifest).map(async (g) => [g.file, await bundledGraph(NAME, g.file)])),
  ),
  [reference.vectors.file]: await bundledGraph(NAME, reference.vectors.file),
  [reference.labels.file]: await bundledGraph(NAME, reference.labels.file),
  [reference.images!.file]: await bundledGraph(NAME, reference.images!.file),
};
const images = [digits.digits[0]!.pixels];
const search = { model: NAME, images, k: 3 };

/** One byte flipped: a corrupted upload, a bad disk. */
function tampered(bytes: ArrayBuffer): ArrayBuffer {
  const copy = new Uint8Array(bytes.slice(0));
  copy[copy.length - 7]! ^= 0xff;
  return copy.buffer;
}

/** Labels of a class the manifest does not name: the right sha256 and size, the wrong content. */
const labelsOfNoClass = new Uint8Array(reference.count).fill(reference.classNames.length).buffer;

afterEach(() => {
  vi.restoreAllMocks();
});

const variant = (name: string, changes: Partial<NonNullable<Manifest['reference']>>, replaced: object) => ({
  manifest: { ...manifest, name, reference: { ...reference, ...changes } },
  files: { ...files, ...replaced },
});
const brokenVariants = {
  'tampered-index': variant(
    'tampered-index',
    {},
    {
      [reference.vectors.file]: tampered(files[reference.vectors.file]!),
    },
  ),
  'missing-labels': variant('missing-labels', {}, { [reference.labels.file]: undefined }),
  'labels-of-no-class': variant(
    'labels-of-no-class',
    { labels: { ...reference.labels, sha256: await sha256Of(labelsOfNoClass) } },
    { [reference.labels.file]: labelsOfNoClass },
  ),
  'tampered-images': variant(
    'tampered-images',
    {},
    {
      [reference.images!.file]: tampered(files[reference.images!.file]!),
    },
  ),
};

describe('a broken index among the bundled models', () => {
  const app = createApp({
    runtime: wasmRuntime(),
    store: storeWith(
      {
        index: { models: [NAME, ...Object.keys(brokenVariants)], defaults: { neighbors: NAME } },
        models: { [NAME]: bundledModels.models[NAME]! },
      },
      brokenVariants,
    ),
  });
  const post = async (path: string, body: unknown) => statusAndBody(await app.request(path, jsonInit(body)));

  it.each([
    [
      'tampered-index',
      /^the sha256 of reference-vectors\.bin is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    ],
    ['missing-labels', /^reference-labels\.bin was not deployed with the worker \(the build copies it\)$/],
    [
      'labels-of-no-class',
      /^reference-labels\.bin does not hold what its manifest says: it has class 10 in row 0, but there are 10 classes$/,
    ],
  ])(
    '%s: 503 for its neighbours, saying why; it still embeds, and other models still search',
    async (name, why) => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      const result = await post('/v1/neighbors', { ...search, model: name });
      expect(result.status).toBe(503);
      const { error } = result.body as { error: { code: string; message: string } };
      expect(error.code).toBe('model_unavailable');
      expect(error.message.replace(`Model "${name}" is unavailable: `, '')).toMatch(why);
      expect((await post('/v1/embed', { model: name, images })).status).toBe(200);
      expect((await post('/v1/neighbors', search)).status).toBe(200);
    },
  );

  it('tampered reference images: 503 for its reference items only; its neighbours still answer', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const item = await statusAndBody(await app.request('/v1/models/tampered-images/reference/0'));
    expect(item.status).toBe(503);
    expect((item.body as { error: { message: string } }).error.message).toMatch(
      /^Model "tampered-images" is unavailable: the sha256 of reference-images\.bin\.gz is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );
    expect((await post('/v1/neighbors', { ...search, model: 'tampered-images' })).status).toBe(200);
    expect((await app.request(`/v1/models/${NAME}/reference/0`)).status).toBe(200);
  });
});

describe('a bad publish of an index', () => {
  const V1 = '1.1.0';
  const V2 = '2.0.0';
  let layout: BucketLayout;
  const versionOf = (v: string): Manifest => ({ ...manifest, version: v });
  const answeredBy = async (app: Isolate, path: string, body: unknown) => {
    const { status, body: answer } = await statusAndBody(await app.post(path, body));
    const a = answer as { version?: string; error?: { code: string } };
    return status === 200 ? `200 ${a.version}` : `${status} ${a.error?.code}`;
  };

  beforeEach(() => {
    layout = freshLayout();
  });

  it('leaves v1 answering /v1/neighbors when v2’s labels pass the admin checks but not the worker’s', async () => {
    const app = isolate({ layout });
    expect((await publishVersion(app, versionOf(V1), files)).status).toBe(200);
    expect(await answeredBy(app, '/v1/neighbors', search)).toBe(`200 ${V1}`);
    const neighboursOfV1 = await (await app.post('/v1/neighbors', search)).json();

    const bad = {
      ...versionOf(V2),
      reference: { ...reference, labels: { ...reference.labels, sha256: await sha256Of(labelsOfNoClass) } },
    };
    // Every sha256 is right, so the admin API puts v2 live.
    expect(
      (await publishVersion(app, bad, { ...files, [reference.labels.file]: labelsOfNoClass })).status,
    ).toBe(200);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe(`200 ${V2}`); // its graph is fine
    expect(await answeredBy(app, '/v1/neighbors', search)).toBe(`200 ${V1}`);
    expect(await (await app.post('/v1/neighbors', search)).json()).toEqual(neighboursOfV1);
    const stays = log.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('stays on'));
    expect(stays).toEqual([
      `Model "${NAME}" stays on version ${V1}: Model "${NAME}" is unavailable: reference-labels.bin does not hold what its manifest says: it has class 10 in row 0, but there are 10 classes`,
    ]);

    // An isolate that never served v1 has nothing to fall back on: 503 for this model's neighbours only.
    const cold = isolate({ layout });
    expect(await answeredBy(cold, '/v1/neighbors', search)).toBe('503 model_unavailable');
    expect(await answeredBy(cold, '/v1/embed', { model: NAME, images })).toBe(`200 ${V2}`);
    expect(await answeredBy(cold, '/v1/neighbors', { ...search, model: 'fmnist-pca-32' })).toMatch(/^200 /);

    // Rolled back: v1 again, everywhere.
    expect((await moveCurrent(app, NAME, V1)).status).toBe(200);
    expect(await answeredBy(cold, '/v1/neighbors', search)).toBe(`200 ${V1}`);
  });

  it('keeps v1 searching when v2’s vectors are corrupted in the bucket behind the admin API’s back', async () => {
    const app = isolate({ layout });
    await publishVersion(app, versionOf(V1), files);
    expect(await answeredBy(app, '/v1/neighbors', search)).toBe(`200 ${V1}`);
    await publishVersion(app, versionOf(V2), files);
    await bucket.put(
      layout.fileKey(NAME, V2, reference.vectors.file),
      tampered(files[reference.vectors.file]!),
    );
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await answeredBy(app, '/v1/neighbors', search)).toBe(`200 ${V1}`);
  });

  it('will not put live a version whose index files are missing or do not match the manifest', async () => {
    const app = isolate({ layout });
    await publishVersion(app, versionOf(V1), files);
    const { [reference.images!.file]: _, ...withoutImages } = files;
    for (const [file, body] of Object.entries(withoutImages)) await upload(app, NAME, V2, file, body);
    await upload(app, NAME, V2, 'manifest.json', JSON.stringify(versionOf(V2)));
    const refused = await statusAndBody(await moveCurrent(app, NAME, V2));
    expect(refused).toEqual({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: `Version ${V2} of "${NAME}" cannot go live: reference-images.bin.gz has not been uploaded`,
        },
      },
    });
    await upload(app, NAME, V2, reference.images!.file, tampered(files[reference.images!.file]!));
    const mismatch = await statusAndBody(await moveCurrent(app, NAME, V2));
    expect((mismatch.body as { error: { message: string } }).error.message).toMatch(
      /cannot go live: the sha256 of reference-images\.bin\.gz is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );
    expect(await answeredBy(app, '/v1/neighbors', search)).toBe(`200 ${V1}`);
  });
});
