// The committed models/ read from disk into the worker's BundledStore shape, for the app on plain Node
// (the worker gets the same files through wrangler's Data modules, worker/store/bundled-models.generated.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundledModels, BundledStore } from '../../worker/store/bundled-store';

const arrayBufferOf = (path: string): ArrayBuffer => {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

export function readModels(dir = 'models'): BundledModels {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { models: string[] };
  const models: Record<string, BundledModels['models'][string]> = {};
  for (const name of index.models) {
    const manifestPath = join(dir, name, 'manifest.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      onnx?: { file?: string };
      generator?: { file?: string };
    };
    const onnx = arrayBufferOf(join(dir, name, manifest.onnx?.file ?? 'model.onnx'));
    const generatorFile = manifest.generator?.file;
    models[name] = {
      manifest,
      onnx,
      ...(generatorFile === undefined ? {} : { generator: arrayBufferOf(join(dir, name, generatorFile)) }),
    };
  }
  return { index, models };
}

export const diskStore = (dir?: string) => new BundledStore(readModels(dir));
