// Builds the demo page's generated assets into worker/demo/public/ (git-ignored): the page's TypeScript
// bundled by esbuild (build/app.js), the service worker (sw.js, at the root so that it controls the
// whole page), and onnxruntime-web's browser bundles with their wasm binaries gzipped (a Workers asset
// may be at most 25 MiB; the WebGPU-capable binary is 28 MB, 6.7 MB gzipped), and copies the committed
// models' ONNX graphs (scripts/model-assets.ts) and /docs's script (scripts/docs-assets.ts) into the
// worker's static assets. wrangler runs this before
// `wrangler dev` and `wrangler deploy` ([build] in wrangler.toml); by hand: `npx tsx scripts/build-demo.ts`.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { copyApiReferenceScript } from './docs-assets';
import { copyModelAssets } from './model-assets';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = join(REPO_ROOT, 'worker/demo');
const PUBLIC = join(DEMO, 'public');
const OUT = join(PUBLIC, 'build');

/** onnxruntime-web files the page loads: the wasm-only bundle, and the WebGPU (JSEP) one. */
export const ORT_FILES = {
  wasm: { bundle: 'ort.wasm.bundle.min.mjs', binary: 'ort-wasm-simd-threaded.wasm' },
  webgpu: { bundle: 'ort.bundle.min.mjs', binary: 'ort-wasm-simd-threaded.jsep.wasm' },
} as const;

function ortDist(): string {
  const require = createRequire(import.meta.url);
  // the wasm binary is an exported subpath; its folder is dist/
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

/** Copies or gzips `from` to `to` unless `to` is already newer (gzipping 28 MB takes a second). */
function refresh(from: string, to: string, gzip: boolean): void {
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) return;
  if (gzip) writeFileSync(to, gzipSync(readFileSync(from), { level: 9 }));
  else copyFileSync(from, to);
}

export async function buildDemo(): Promise<void> {
  mkdirSync(join(OUT, 'ort'), { recursive: true });
  const dist = ortDist();
  for (const { bundle, binary } of Object.values(ORT_FILES)) {
    refresh(join(dist, bundle), join(OUT, 'ort', bundle), false);
    refresh(join(dist, binary), join(OUT, 'ort', `${binary}.gz`), true);
  }
  const common = {
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  } as const;
  const app = await build({
    ...common,
    entryPoints: [join(DEMO, 'src/main.ts')],
    outfile: join(OUT, 'app.js'),
    metafile: true,
  });
  // The service worker's cache name changes with the page's code, so a new deploy replaces the cache.
  const version = createHash('sha256')
    .update(readFileSync(join(OUT, 'app.js')))
    .update(readFileSync(join(PUBLIC, 'index.html')))
    .update(readFileSync(join(PUBLIC, 'styles.css')))
    .digest('hex')
    .slice(0, 12);
  await build({
    ...common,
    entryPoints: [join(DEMO, 'src/sw.ts')],
    outfile: join(PUBLIC, 'sw.js'),
    define: { __DEMO_VERSION__: JSON.stringify(version) },
  });
  const bytes = Object.values(app.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`demo page built: app.js ${(bytes / 1024).toFixed(0)} KiB (with its map), version ${version}`);
  console.log(`API reference script: ${copyApiReferenceScript()}`);
  const graphs = copyModelAssets();
  console.log(
    `model graphs in the static assets: ${graphs.files} files, ${(graphs.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await buildDemo();
