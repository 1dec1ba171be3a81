import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyModelAssets } from '../../scripts/model-assets';

describe('copyModelAssets (the build step that deploys the graphs as static assets)', () => {
  let root = '';
  let to = '';
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pretext-assets-'));
    to = join(root, 'public', '_models');
    write(
      join(root, 'models', 'index.json'),
      JSON.stringify({ models: ['vae', 'pca', 'no-manifest'], defaults: {} }),
    );
    write(
      join(root, 'models', 'vae', 'manifest.json'),
      JSON.stringify({ onnx: { file: 'model.onnx' }, generator: { file: 'generator.onnx' } }),
    );
    write(join(root, 'models', 'vae', 'model.onnx'), 'vae-encoder');
    write(join(root, 'models', 'vae', 'generator.onnx'), 'vae-decoder');
    write(join(root, 'models', 'vae', 'notes.txt'), 'not a graph');
    write(join(root, 'models', 'pca', 'manifest.json'), JSON.stringify({ onnx: { file: '../escape.onnx' } }));
    write(
      join(root, 'models', 'unlisted', 'manifest.json'),
      JSON.stringify({ onnx: { file: 'model.onnx' } }),
    );
    write(join(root, 'models', 'unlisted', 'model.onnx'), 'unlisted');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("copies exactly the graphs the listed models' manifests name, byte for byte", () => {
    expect(copyModelAssets(root, to)).toEqual({
      files: 2,
      bytes: 'vae-encoder'.length + 'vae-decoder'.length,
    });
    expect(readdirSync(to)).toEqual(['vae']);
    expect(readdirSync(join(to, 'vae')).sort()).toEqual(['generator.onnx', 'model.onnx']);
    expect(readFileSync(join(to, 'vae', 'generator.onnx'), 'utf8')).toBe('vae-decoder');
  });

  it('removes what an earlier build copied for models no longer listed', () => {
    write(join(to, 'old-model', 'model.onnx'), 'stale');
    copyModelAssets(root, to);
    expect(existsSync(join(to, 'old-model'))).toBe(false);
  });
});
