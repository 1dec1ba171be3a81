// The committed models/ read from disk into the worker's BundledStore, for the app on plain Node (the
// worker gets the same manifests bundled and the same graphs as static assets).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundledModels, BundledStore } from '../../worker/store/bundled-store';
import type { ModelFileReader } from '../../worker/store/model-files';

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
      input?: { tokenizer?: { file?: string } };
    };
    const vocabFile = manifest.input?.tokenizer?.file;
    const vocab =
      vocabFile === undefined ? undefined : JSON.parse(readFileSync(join(dir, name, vocabFile), 'utf8'));
    models[name] = { manifest, ...(vocab === undefined ? {} : { vocab }) };
  }
  return { index, models };
}

/** A model's files from `dir`/<name>/<file>; undefined for a missing one (the store answers 503). */
export const diskModelFiles =
  (dir = 'models'): ModelFileReader =>
  async (model, file) => {
    const path = join(dir, model, file);
    return existsSync(path) ? arrayBufferOf(path) : undefined;
  };

export const diskStore = (dir?: string) => new BundledStore(readModels(dir), diskModelFiles(dir));
