// Copies the ONNX graphs (and reference index files) of every model in models/index.json into the worker's static assets
// (worker/demo/public/_models/<name>/<file>, git-ignored), where the deployed worker reads them through
// its ASSETS binding (worker/store/model-files.ts). Run by the build step (scripts/build-demo.ts, which
// wrangler runs before `wrangler dev` and `wrangler deploy`) and before the worker tests; by hand:
// `npx tsx scripts/model-assets.ts`. The copy is exact: files of models no longer listed are removed.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_ASSETS_PREFIX } from '../worker/store/model-files';
import { allGraphFilesOf, REPO_ROOT } from './bundle-models';

export const MODEL_ASSETS_DIR = join(REPO_ROOT, 'worker/demo/public', MODEL_ASSETS_PREFIX);

export interface CopiedAssets {
  files: number;
  bytes: number;
}

export function copyModelAssets(repoRoot: string = REPO_ROOT, to: string = MODEL_ASSETS_DIR): CopiedAssets {
  const modelsDir = join(repoRoot, 'models');
  const { models } = JSON.parse(readFileSync(join(modelsDir, 'index.json'), 'utf8')) as { models: string[] };
  rmSync(to, { recursive: true, force: true });
  const copied: CopiedAssets = { files: 0, bytes: 0 };
  for (const name of models) {
    const manifestPath = join(modelsDir, name, 'manifest.json');
    if (!existsSync(manifestPath)) continue; // the worker reports the model unavailable
    const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const file of [...allGraphFilesOf(manifest), ...referenceFilesOf(manifest)]) {
      const from = join(modelsDir, name, file);
      if (!existsSync(from)) continue; // likewise: a 503 for that model, naming the file
      mkdirSync(join(to, name), { recursive: true });
      copyFileSync(from, join(to, name, file));
      copied.files += 1;
      copied.bytes += statSync(from).size;
    }
  }
  return copied;
}

/** The files of a manifest's reference index (vectors, labels, images) that are plain file names. */
export function referenceFilesOf(manifest: unknown): string[] {
  const reference = (manifest as { reference?: Record<string, { file?: unknown } | undefined> } | null)
    ?.reference;
  if (typeof reference !== 'object' || reference === null) return [];
  return [reference.vectors?.file, reference.labels?.file, reference.images?.file].filter(
    (file): file is string => typeof file === 'string' && /^[\w.-]+\.(bin|gz)$/.test(file),
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, bytes } = copyModelAssets();
  console.log(
    `model graphs copied to the static assets: ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
  );
}
