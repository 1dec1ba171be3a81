// npm run models:index on a copy of a committed model (scripts/models-index.ts): the files it writes are
// the ones the manifest names, with their sha256 and size; a rerun writes the same bytes; the index finds
// held-out digits' classes far above chance; and models that cannot have an index are refused by name.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { indexableModels, indexModels } from '../../scripts/models-index';
import { bumpPatch, quantizeCommittedModel } from '../../scripts/models-quantize';
import { embedWith, IndexRefused } from '../../scripts/reference/build';
import { heldOutQueries, measurePrecision } from '../../scripts/reference/precision';
import { loadMnist } from '../../train/data/mnist';
import { graphFiles, ManifestSchema } from '../../worker/contract/manifest';
import { decodeReferenceVectors, REFERENCE_FILES } from '../../worker/contract/reference-index';
import { filesOf } from '../../worker/store/r2-layout';

const NAME = 'mnist-mlp-ae';
const dir = mkdtempSync(join(tmpdir(), 'pretext-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * models/ with a copy of the committed models named, their manifests as training wrote them (no index;
 * with `retrained`, no int8 variant either, and a new version).
 */
function modelsDir(names: readonly string[], { retrained = false } = {}): string {
  const models = join(dir, `models-${Math.random().toString(36).slice(2)}`);
  for (const name of names) {
    const json = JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8'));
    const { reference: _, ...trained } = json;
    if (retrained) {
      delete trained.variants;
      trained.version = '3.0.0';
    }
    trained.tasks = trained.tasks.filter((task: string) => task !== 'neighbors');
    mkdirSync(join(models, name), { recursive: true });
    // Its graphs (the int8 variant too, unless retrained): what the files of its version must include.
    for (const { file } of graphFiles(trained))
      copyFileSync(join('models', name, file), join(models, name, file));
    if (json.input.tokenizer)
      copyFileSync(
        join('models', name, json.input.tokenizer.file),
        join(models, name, json.input.tokenizer.file),
      );
    writeFileSync(join(models, name, 'manifest.json'), `${JSON.stringify(trained, null, 2)}\n`);
  }
  writeFileSync(join(models, 'index.json'), JSON.stringify({ models: names, defaults: {} }));
  return models;
}

const bundledVersion = (name: string): string =>
  JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8')).version;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const quiet = { queries: 0, log: () => {} };

describe('npm run models:index', () => {
  const models = modelsDir([NAME, 'mnist-kmeans', 'fortunes-text']);

  it('writes the files its manifest names, with their sha256 and size, and lists task "neighbors"', async () => {
    await indexModels([NAME], { modelsDir: models, ...quiet });
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(models, NAME, 'manifest.json'), 'utf8')),
    );
    expect(manifest.tasks).toContain('neighbors');
    // New files for the version: the next patch version, as models:quantize does.
    expect(manifest.version).toBe(bumpPatch(bundledVersion(NAME)));
    const { test } = loadMnist();
    expect(manifest.reference).toMatchObject({
      count: test.count,
      dims: 32,
      encoding: 'int8-rows',
      classNames: [...test.classNames],
      embeddedBy: manifest.onnx.sha256,
      command: `npm run models:index -- ${NAME}`,
    });
    for (const { file, sha256: recorded, bytes } of filesOf(manifest)) {
      expect(sha256(join(models, NAME, file)), file).toBe(recorded);
      expect(readFileSync(join(models, NAME, file)).byteLength, file).toBe(bytes);
    }
    // The images file holds the test split on the 8-bit grid, in order; the labels file its classes.
    const pixels = gunzipSync(readFileSync(join(models, NAME, REFERENCE_FILES.images)));
    expect(pixels.byteLength).toBe(test.count * 784);
    expect(pixels[300 * 784 + 400]).toBe(Math.round(test.images[300 * 784 + 400]! * 255));
    expect(Array.from(readFileSync(join(models, NAME, REFERENCE_FILES.labels)))).toEqual(
      Array.from(test.labels),
    );
  });

  it('writes the same bytes when run again (the manifest too)', async () => {
    const files = [REFERENCE_FILES.vectors, REFERENCE_FILES.labels, REFERENCE_FILES.images, 'manifest.json'];
    const before = files.map((file) => sha256(join(models, NAME, file)));
    await indexModels([NAME], { modelsDir: models, ...quiet });
    expect(files.map((file) => sha256(join(models, NAME, file)))).toEqual(before);
  });

  it('finds the class of held-out training digits far above chance (0.1): precision@10 > 0.7', async () => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(models, NAME, 'manifest.json'), 'utf8')),
    );
    const { train, test } = loadMnist();
    const queries = heldOutQueries(train, 300);
    const bytes = readFileSync(join(models, NAME, REFERENCE_FILES.vectors));
    const vectors = decodeReferenceVectors(new Uint8Array(bytes).buffer, test.count, 32);
    const embedded = await embedWith(models, manifest, queries.images);
    const { precision } = measurePrecision(vectors, test.labels, embedded, queries.labels);
    expect(precision).toBeGreaterThan(0.7);
  });

  it('indexes, with --all, the image models that embed, and says why it skips the others', () => {
    expect(indexableModels(models)).toEqual({
      names: [NAME],
      skipped: ['"mnist-kmeans" does not embed (tasks: cluster)', '"fortunes-text" is a text model'],
    });
  });

  it('refuses a model that cannot have an index, or that is not there, naming it', async () => {
    await expect(indexModels(['mnist-kmeans'], { modelsDir: models, ...quiet })).rejects.toThrow(
      new IndexRefused('"mnist-kmeans" does not embed (tasks: cluster)'),
    );
    await expect(indexModels(['no-such-model'], { modelsDir: models, ...quiet })).rejects.toThrow(
      new IndexRefused(`"no-such-model" has no ${join(models, 'no-such-model', 'manifest.json')}`),
    );
  });
});

describe('after a retraining: npm run models:quantize -- --all, then npm run models:index -- --all', () => {
  const models = modelsDir([NAME], { retrained: true });
  const read = () =>
    ManifestSchema.parse(JSON.parse(readFileSync(join(models, NAME, 'manifest.json'), 'utf8')));
  const quantize = () =>
    quantizeCommittedModel(NAME, { modelsDir: models, calibrationImages: 20, log: () => {} });

  it('gives the new graph its variant and its index, each taking a patch version', async () => {
    await quantize();
    await indexModels([NAME], { modelsDir: models, ...quiet });
    const manifest = read();
    expect(manifest.version).toBe('3.0.2');
    expect(manifest.variants?.q8?.source.onnx).toBe(manifest.onnx.sha256);
    expect(manifest.reference?.embeddedBy).toBe(manifest.onnx.sha256);
    for (const { file, sha256: recorded } of filesOf(manifest)) {
      expect(sha256(join(models, NAME, file)), file).toBe(recorded);
    }
  });

  it('changes nothing when both run again, in either order', async () => {
    const files = readdirSync(join(models, NAME)).sort();
    const before = files.map((file) => sha256(join(models, NAME, file)));
    await indexModels([NAME], { modelsDir: models, ...quiet });
    await quantize();
    await indexModels([NAME], { modelsDir: models, ...quiet });
    expect(readdirSync(join(models, NAME)).sort()).toEqual(files);
    expect(files.map((file) => sha256(join(models, NAME, file)))).toEqual(before);
    expect(read().version).toBe('3.0.2');
  });
});

describe('a manifest as git merges a retrained graph with the files these commands wrote before', () => {
  /** mnist-mlp-ae with every file, its graph swapped for another of the same shapes (a "retraining"). */
  function merged(): string {
    const models = join(dir, `merged-${Math.random().toString(36).slice(2)}`);
    cpSync(join('models', NAME), join(models, NAME), { recursive: true });
    const retrained = readFileSync(join('models', 'fmnist-mlp-ae', 'model.onnx'));
    writeFileSync(join(models, NAME, 'model.onnx'), retrained);
    const path = join(models, NAME, 'manifest.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    // The new graph's line changed; the variant and the index still name the old one.
    json.onnx = { ...json.onnx, sha256: sha256(join(models, NAME, 'model.onnx')) };
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(models, 'index.json'), JSON.stringify({ models: [NAME], defaults: {} }));
    expect(() => ManifestSchema.parse(json)).toThrow(); // stale variant and index: what npm test reports
    return models;
  }
  const quantize = (models: string) =>
    quantizeCommittedModel(NAME, { modelsDir: models, calibrationImages: 20, log: () => {} });
  const current = (models: string) => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(models, NAME, 'manifest.json'), 'utf8')),
    );
    expect(manifest.variants?.q8?.source.onnx).toBe(manifest.onnx.sha256);
    expect(manifest.reference?.embeddedBy).toBe(manifest.onnx.sha256);
    expect(manifest.tasks).toContain('neighbors');
    return manifest;
  };

  it('is remade by quantize then index', async () => {
    const models = merged();
    await quantize(models);
    await indexModels([NAME], { modelsDir: models, ...quiet });
    current(models);
  });

  it('is remade by index then quantize, to the same files', async () => {
    const [a, b] = [merged(), merged()];
    await quantize(a);
    await indexModels([NAME], { modelsDir: a, ...quiet });
    await indexModels([NAME], { modelsDir: b, ...quiet });
    await quantize(b);
    const [ma, mb] = [current(a), current(b)];
    expect({ ...mb, version: ma.version }).toEqual(ma);
    for (const { file } of filesOf(ma)) {
      expect(sha256(join(b, NAME, file)), file).toBe(sha256(join(a, NAME, file)));
    }
  });
});
