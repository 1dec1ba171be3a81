// models:quantize writes a model's int8 variant and names it in the manifest (sha256, size, source) so
// that publishing and the worker's checks treat it like any other graph; it refuses what it cannot do.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateModel } from '../../scripts/models-publish';
import { bumpPatch, quantizeCommittedModel } from '../../scripts/models-quantize';
import { sha256Hex } from '../../train/export/artifact';
import { ManifestSchema } from '../../worker/contract/manifest';

const REPO_ROOT = join(import.meta.dirname, '../..');
const NAME = 'mnist-mlp-ae';
const tempDirs: string[] = [];

/** models/ with only `names`, their manifests without variants or index (as training writes them). */
function modelsCopy(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-quantize-'));
  tempDirs.push(dir);
  for (const name of names) {
    cpSync(join(REPO_ROOT, 'models', name), join(dir, name), { recursive: true });
    const path = join(dir, name, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    delete manifest['variants'];
    delete manifest['reference'];
    manifest['tasks'] = (manifest['tasks'] as string[]).filter((task) => task !== 'neighbors');
    manifest['version'] = '2.0.0';
    writeFileSync(path, JSON.stringify(manifest, null, 2));
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ models: names, defaults: {} }));
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('models:quantize', () => {
  it('writes model.q8.onnx and names it in the manifest, which publishing then checks like model.onnx', async () => {
    const modelsDir = modelsCopy(NAME);
    const lines: string[] = [];
    const result = await quantizeCommittedModel(NAME, {
      modelsDir,
      calibrationImages: 200,
      log: (line) => lines.push(line),
    });
    expect(result.changed).toBe(true);
    const written = ManifestSchema.parse(
      JSON.parse(readFileSync(join(modelsDir, NAME, 'manifest.json'), 'utf8')),
    );
    expect(written.version).toBe('2.0.1');
    const q8 = written.variants!.q8!;
    const bytes = readFileSync(join(modelsDir, NAME, 'model.q8.onnx'));
    expect(q8.onnx).toEqual({ file: 'model.q8.onnx', sha256: sha256Hex(bytes), bytes: bytes.byteLength });
    expect(q8.source).toEqual({ onnx: written.onnx.sha256 });
    expect(q8.quantization).toMatch(/min\/max over 200 evenly spaced training images.*int8: 6 Gemm\./);
    expect(lines.at(-1)).toMatch(
      /^mnist-mlp-ae: wrote model\.q8\.onnx, version 2\.0\.0 → 2\.0\.1; 0\.2\d× the float size/,
    );
    // The reconstruction moves by far less than the model's own error (≈ 0.1 per pixel).
    expect(result.rmsDifference['reconstruction']).toBeLessThan(0.02);

    const { files } = await validateModel(NAME, join(modelsDir, NAME));
    expect(files.map((f) => f.file)).toEqual(['model.onnx', 'model.q8.onnx', 'manifest.json']);
  });

  it('quantizes a generator too, calibrated on its prior', async () => {
    const modelsDir = modelsCopy('fmnist-vae');
    const result = await quantizeCommittedModel('fmnist-vae', {
      modelsDir,
      calibrationImages: 100,
      log: () => {},
    });
    const q8 = result.manifest.variants!.q8!;
    expect(q8.generator?.file).toBe('generator.q8.onnx');
    expect(q8.source.generator).toBe(result.manifest.generator!.sha256);
    expect(q8.quantization).toMatch(/Generator: calibrated on 100 draws from N\(0, I\)/);
    expect(result.rmsDifference['generator image']).toBeLessThan(0.02);
  });

  it('refuses a text model', async () => {
    const modelsDir = modelsCopy('fortunes-text');
    await expect(
      quantizeCommittedModel('fortunes-text', { modelsDir, calibrationImages: 10, log: () => {} }),
    ).rejects.toThrow('fortunes-text is a text model; only image models have an int8 variant');
  });

  it('bumps the patch version', () => {
    expect(bumpPatch('1.0.0')).toBe('1.0.1');
    expect(bumpPatch('2.13.9')).toBe('2.13.10');
  });
});

describe('a manifest variant', () => {
  const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'models', NAME, 'manifest.json'), 'utf8')) as {
    variants: { q8: Record<string, unknown> };
    onnx: { sha256: string };
  };

  it('made from another model.onnx is stale, and the schema says how to remake it', () => {
    const stale = structuredClone(committed);
    stale.variants.q8['source'] = { onnx: '0'.repeat(64) };
    const parsed = ManifestSchema.safeParse(stale);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'variants.q8.source.onnx',
        'was made from another model.onnx (run npm run models:quantize -- mnist-mlp-ae)',
      ],
    ]);
  });

  it('may not reuse a file name, nor name a generator the model lacks, nor an unknown dtype', () => {
    const clash = structuredClone(committed);
    (clash.variants.q8['onnx'] as { file: string }).file = 'model.onnx';
    expect(ManifestSchema.safeParse(clash).error?.issues.map((i) => i.message)).toEqual([
      'names model.onnx twice',
    ]);
    const generator = structuredClone(committed);
    generator.variants.q8['generator'] = { file: 'generator.q8.onnx', sha256: '0'.repeat(64), bytes: 1 };
    expect(ManifestSchema.safeParse(generator).error?.issues.map((i) => i.message)).toEqual([
      'names a generator the model lacks',
    ]);
    const q4 = structuredClone(committed) as unknown as { variants: Record<string, unknown> };
    q4.variants['q4'] = q4.variants['q8'];
    expect(ManifestSchema.safeParse(q4).error?.issues.map((i) => [i.path.join('.'), i.code])).toEqual([
      ['variants', 'unrecognized_keys'],
    ]);
  });
});
