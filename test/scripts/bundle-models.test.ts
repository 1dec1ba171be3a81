import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EAGER_MAX_BYTES, GENERATED_PATH, renderBundledModels } from '../../scripts/bundle-models';

describe('worker/store/bundled-models.generated.ts', () => {
  it('is up to date with models/index.json (else run `npm run models:bundle`)', () => {
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(committed, 'bundled-models.generated.ts is stale: run `npm run models:bundle`').toBe(
      renderBundledModels(),
    );
  });

  it('imports index.json and each manifest by a literal path', () => {
    const text = renderBundledModels();
    expect(text).toContain(`import index from '../../models/index.json';`);
    expect(text).toMatch(/import manifest0 from '\.\.\/\.\.\/models\/[a-z0-9-]+\/manifest\.json';/);
  });

  it("imports the graphs of the small default models only (the others' are static assets)", () => {
    const root = mkdtempSync(join(tmpdir(), 'pretext-bundle-'));
    try {
      const model = (name: string, bytes: number, generator = false) => {
        mkdirSync(join(root, 'models', name), { recursive: true });
        const manifest = {
          onnx: { file: 'model.onnx' },
          ...(generator ? { generator: { file: 'generator.onnx' } } : {}),
        };
        writeFileSync(join(root, 'models', name, 'manifest.json'), JSON.stringify(manifest));
        writeFileSync(join(root, 'models', name, 'model.onnx'), Buffer.alloc(bytes));
        if (generator) writeFileSync(join(root, 'models', name, 'generator.onnx'), Buffer.alloc(bytes));
      };
      model('small-default', 1000, true);
      model('big-default', EAGER_MAX_BYTES + 1);
      model('small-other', 1000);
      writeFileSync(
        join(root, 'models', 'index.json'),
        JSON.stringify({
          models: ['small-default', 'big-default', 'small-other'],
          defaults: { embed: 'small-default', denoise: 'big-default' },
        }),
      );
      const text = renderBundledModels(root);
      expect(text).toContain(`import graph0_0 from '../../models/small-default/model.onnx';`);
      expect(text).toContain(`import graph0_1 from '../../models/small-default/generator.onnx';`);
      expect(text).toContain(
        `'small-default': { manifest: manifest0, graphs: { 'model.onnx': graph0_0, 'generator.onnx': graph0_1 } },`,
      );
      expect(text).not.toMatch(/big-default\/model\.onnx|small-other\/model\.onnx/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("imports a text model's vocabulary (manifest.input.tokenizer.file) beside its manifest", () => {
    const root = mkdtempSync(join(tmpdir(), 'pretext-bundle-'));
    try {
      mkdirSync(join(root, 'models', 'tiny-text'), { recursive: true });
      writeFileSync(
        join(root, 'models', 'index.json'),
        JSON.stringify({ models: ['tiny-text'], defaults: { 'fill-mask': 'tiny-text' } }),
      );
      writeFileSync(
        join(root, 'models', 'tiny-text', 'manifest.json'),
        JSON.stringify({ onnx: { file: 'model.onnx' }, input: { tokenizer: { file: 'vocab.json' } } }),
      );
      const text = renderBundledModels(root);
      expect(text).toContain(`import vocab0 from '../../models/tiny-text/vocab.json';`);
      expect(text).toContain(`'tiny-text': { manifest: manifest0, vocab: vocab0 },`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('bundles only the named models for a smaller deploy, keeping just their defaults', () => {
    const root = mkdtempSync(join(tmpdir(), 'pretext-bundle-'));
    try {
      for (const name of ['big-ae', 'small-pca']) {
        mkdirSync(join(root, 'models', name), { recursive: true });
        writeFileSync(
          join(root, 'models', name, 'manifest.json'),
          JSON.stringify({ onnx: { file: 'model.onnx' } }),
        );
      }
      writeFileSync(
        join(root, 'models', 'index.json'),
        JSON.stringify({
          models: ['big-ae', 'small-pca'],
          defaults: { embed: 'small-pca', denoise: 'big-ae' },
        }),
      );
      const text = renderBundledModels(root, ['small-pca']);
      expect(text).not.toContain('big-ae');
      expect(text).toContain('const index = {"models":["small-pca"],"defaults":{"embed":"small-pca"}};');
      expect(() => renderBundledModels(root, ['nope'])).toThrow('--only: not in models/index.json: nope');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
