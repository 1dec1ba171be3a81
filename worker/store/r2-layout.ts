// Where a published model lives in the R2 bucket. Versions are immutable: a version's files are written
// once and never replaced; publishing and rolling back only move the small `current` pointer.
//
//   models/<name>/current                        body: the version that serves, e.g. "1.2.0"
//   models/<name>/versions/<version>/manifest.json
//   models/<name>/versions/<version>/model.onnx  (and generator.onnx, vocab.json: what the manifest names)
import { graphFiles, type Manifest } from '../contract/manifest';

export const MODELS_PREFIX = 'models/';

/** A version as the manifest schema writes it (MAJOR.MINOR.PATCH). */
export const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
/** A file of a version: the manifest, an ONNX graph, a text model's vocabulary, a reference index's files. */
export const FILE_PATTERN = /^[\w.-]+\.(onnx|json|bin|gz)$/;

export const MANIFEST_FILE = 'manifest.json';

/** The keys of the layout under a root: `models/` in production, a fresh root per test. */
export class BucketLayout {
  constructor(readonly root = MODELS_PREFIX) {}

  pointerKey(name: string): string {
    return `${this.root}${name}/current`;
  }

  versionsPrefix(name: string): string {
    return `${this.root}${name}/versions/`;
  }

  fileKey(name: string, version: string, file: string): string {
    return `${this.versionsPrefix(name)}${version}/${file}`;
  }
}

/** The files a manifest names besides itself: its graphs (variants included) and its vocabulary. */
export function filesOf(manifest: Manifest): { file: string; sha256: string; bytes?: number }[] {
  const files: { file: string; sha256: string; bytes?: number }[] = graphFiles(manifest);
  if (manifest.input.layout === 'token-ids') {
    const { file, sha256 } = manifest.input.tokenizer;
    files.push({ file, sha256 });
  }
  // And a reference index's files: published, verified and rolled back like its graphs.
  const { reference } = manifest;
  if (reference)
    files.push(reference.vectors, reference.labels, ...(reference.images ? [reference.images] : []));
  return files;
}

/** Semantic-version order, oldest first: what "the previous version" means to a rollback. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
