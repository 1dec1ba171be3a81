// The committed models are what the worker serves: each must pass the manifest schema, match the sha256
// of every file it names (graphs, int8 variants, vocabulary), be listed in models/index.json, and still
// compute what its manifest says it does. The int8 variant and the reference index are demanded of exactly
// the models `npm run models:quantize -- --all` and `npm run models:index -- --all` make them for (the same
// rules, imported), so a model added to models/index.json is held to them without editing this file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { quantizable } from '../../scripts/models-quantize';
import { indexable } from '../../scripts/reference/build';
import { ManifestSchema, ModelIndexSchema } from '../../worker/contract/manifest';
import { taskOutputProblems } from '../../worker/contract/task-outputs';
import { Tokenizer } from '../../worker/contract/tokenizer';
import { filesOf } from '../../worker/store/r2-layout';

const index = ModelIndexSchema.parse(JSON.parse(readFileSync('models/index.json', 'utf8')));

describe.each(index.models)('committed model %s', (name) => {
  const manifest = ManifestSchema.parse(
    JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8')),
  );
  const bytes = readFileSync(join('models', name, manifest.onnx.file));

  it.each(filesOf(manifest).map((f) => [f.file, f] as const))(
    'has the sha256 and size its manifest records for %s',
    (file, recorded) => {
      const content = readFileSync(join('models', name, file));
      expect(createHash('sha256').update(content).digest('hex')).toBe(recorded.sha256);
      if (recorded.bytes !== undefined) expect(content.byteLength).toBe(recorded.bytes);
    },
  );

  it('declares the outputs its tasks read, and a vocabulary the tokenizer accepts', () => {
    expect(taskOutputProblems(manifest)).toEqual([]);
    if (manifest.input.layout === 'token-ids') {
      const { file, size } = manifest.input.tokenizer;
      const vocabulary = JSON.parse(readFileSync(join('models', name, file), 'utf8')) as string[];
      expect(new Tokenizer(vocabulary).size).toBe(size);
    }
  });

  it('loads in onnxruntime-node with the declared input and outputs', async () => {
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([manifest.input.name]);
    for (const out of Object.values(manifest.outputs)) expect(session.outputNames).toContain(out.name);
    // Two rows of the declared input: images at mid-grey, or token ids (3 = the first real word).
    const width = manifest.input.shape[1];
    const fill = manifest.input.layout === 'token-ids' ? 3 : 0.25;
    const x = new ort.Tensor('float32', new Float32Array(2 * width).fill(fill), [2, width]);
    const result = await session.run({ [manifest.input.name]: x });
    for (const out of Object.values(manifest.outputs)) {
      expect(result[out.name]!.dims).toEqual([2, ...out.shape]);
    }
    await session.release();
  });

  const generator = manifest.generator;
  if (generator !== undefined) {
    it('loads its generator graph, which decodes latent codes into images of its declared shape', async () => {
      const { file, latent, output } = generator;
      const session = await ort.InferenceSession.create(readFileSync(join('models', name, file)));
      expect(session.inputNames).toEqual([latent.name]);
      const z = new ort.Tensor('float32', new Float32Array(2 * latent.dims), [2, latent.dims]);
      const result = await session.run({ [latent.name]: z });
      expect(result[output.name]!.dims).toEqual([2, ...output.shape]);
      await session.release();
    });
  }

  if (quantizable(manifest) === undefined) {
    it('has an int8 variant of its current graphs that loads with the declared outputs', async () => {
      // The schema already refuses a variant made from another model.onnx; a retrained model has none.
      const q8 = manifest.variants?.q8;
      expect(q8, 'no q8 variant: run npm run models:quantize -- --all').toBeDefined();
      const session = await ort.InferenceSession.create(readFileSync(join('models', name, q8!.onnx.file)));
      const x = new ort.Tensor('float32', new Float32Array(2 * 784).fill(0.25), [2, 784]);
      const result = await session.run({ [manifest.input.name]: x });
      for (const out of Object.values(manifest.outputs)) {
        expect(result[out.name]!.dims).toEqual([2, ...out.shape]);
      }
      await session.release();
    });
  }

  if (indexable(manifest) === undefined) {
    it('has a reference index built by its current graph, and serves task "neighbors"', () => {
      // The schema already refuses an index embedded by another model.onnx; a retrained model has none.
      expect(manifest.reference, 'no reference index: run npm run models:index -- --all').toBeDefined();
      expect(manifest.reference!.embeddedBy).toBe(manifest.onnx.sha256);
      expect(manifest.tasks).toContain('neighbors');
    });
  }

  it('records how it was trained and how it scored', () => {
    expect(manifest.training.command).toMatch(/^npm run train -- /);
    expect(Object.keys(manifest.metrics).length).toBeGreaterThan(0);
  });
});
