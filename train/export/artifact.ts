// Writes a trained model where the worker finds it: models/<name>/model.onnx + manifest.json, and
// registers it in models/index.json. The manifest goes through the one zod schema before it is written.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Manifest,
  ManifestSchema,
  type ModelIndex,
  ModelIndexSchema,
} from '../../worker/contract/manifest';
import { IR_VERSION, OPSET } from './onnx-graph';

export type ManifestDraft = Omit<Manifest, 'onnx' | 'createdAt' | 'generator'> & {
  onnx: Pick<Manifest['onnx'], 'parityMaxAbsError'>;
};

/** The decoder graph of a generative model, written beside model.onnx as generator.onnx. */
export interface GeneratorDraft {
  bytes: Uint8Array;
  latent: { name: string; dims: number };
  output: { name: string; shape: number[] };
  parityMaxAbsError: number;
}

/** The input every image model takes: x [N, 784], 28×28 row-major, [0, 1], ink = 1. */
export const IMAGE_INPUT: Manifest['input'] = {
  name: 'x',
  shape: [null, 784],
  dtype: 'float32',
  layout: '28x28-row-major',
  range: [0, 1],
  polarity: 'ink-is-1',
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface WrittenArtifact {
  manifest: Manifest;
  dir: string;
}

/**
 * @param modelsDir the models/ folder (tests pass a temporary one)
 * @param makeDefault make this model the default of each of its tasks in models/index.json; without it,
 *   only tasks that have no default yet get this model (choosing defaults is a deliberate edit)
 */
export function writeModelArtifact(
  modelsDir: string,
  draft: ManifestDraft,
  onnxBytes: Uint8Array,
  makeDefault = false,
  generator?: GeneratorDraft,
): WrittenArtifact {
  const manifest = ManifestSchema.parse({
    ...draft,
    onnx: {
      file: 'model.onnx',
      sha256: sha256Hex(onnxBytes),
      bytes: onnxBytes.byteLength,
      irVersion: IR_VERSION,
      opset: OPSET,
      parityMaxAbsError: draft.onnx.parityMaxAbsError,
    },
    ...(generator && {
      generator: {
        file: 'generator.onnx',
        sha256: sha256Hex(generator.bytes),
        bytes: generator.bytes.byteLength,
        latent: generator.latent,
        output: generator.output,
        parityMaxAbsError: generator.parityMaxAbsError,
      },
    }),
    createdAt: new Date().toISOString(),
  });
  const dir = join(modelsDir, manifest.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, manifest.onnx.file), onnxBytes);
  if (generator && manifest.generator) writeFileSync(join(dir, manifest.generator.file), generator.bytes);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const indexPath = join(modelsDir, 'index.json');
  const index: ModelIndex = existsSync(indexPath)
    ? ModelIndexSchema.parse(JSON.parse(readFileSync(indexPath, 'utf8')))
    : { models: [], defaults: {} };
  if (!index.models.includes(manifest.name)) index.models.push(manifest.name);
  index.models.sort();
  for (const task of manifest.tasks) {
    if (makeDefault || index.defaults[task] === undefined) index.defaults[task] = manifest.name;
  }
  writeFileSync(indexPath, `${JSON.stringify(ModelIndexSchema.parse(index), null, 2)}\n`);
  return { manifest, dir };
}
