import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, renderBundledModels } from '../../scripts/bundle-models';

describe('worker/store/bundled-models.generated.ts', () => {
  it('is up to date with models/index.json (else run `npm run models:bundle`)', () => {
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(committed, 'bundled-models.generated.ts is stale: run `npm run models:bundle`').toBe(
      renderBundledModels(),
    );
  });

  it('imports index.json and each manifest by a literal path, and no graph (those are static assets)', () => {
    const text = renderBundledModels();
    expect(text).toContain(`import index from '../../models/index.json';`);
    expect(text).toMatch(/import manifest0 from '\.\.\/\.\.\/models\/[a-z0-9-]+\/manifest\.json';/);
    expect(text).not.toMatch(/\.onnx'/);
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
