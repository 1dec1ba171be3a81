// The API reference's script among the worker's static assets (issue 16): /docs used to load
// @scalar/api-reference from a CDN, unversioned and without an integrity hash, so it was blank offline and
// ran whatever that URL served on our origin. Now the build step copies the standalone bundle of the
// version package.json pins (devDependencies) to worker/demo/public/ (git-ignored), at a path that names
// the version (API_REFERENCE_SCRIPT in worker/routes/docs.ts), and /docs loads it from there.
// Run by scripts/build-demo.ts and the worker tests' setup; by hand: `npx tsx scripts/docs-assets.ts`.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_REFERENCE_PACKAGE, apiReferenceScriptPath } from '../worker/routes/docs-script';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC = join(REPO_ROOT, 'worker/demo/public');

/** The version package.json pins, exactly (a range would let the copied script drift). */
export function pinnedApiReferenceVersion(repoRoot = REPO_ROOT): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  const version = pkg.devDependencies?.[API_REFERENCE_PACKAGE];
  if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`package.json must pin ${API_REFERENCE_PACKAGE} to an exact version, got ${version}`);
  }
  return version;
}

/** The installed package's folder (its exports map hides package.json, so it is found by path). */
function installedPackage(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(API_REFERENCE_PACKAGE) ?? []) {
    const candidate = join(dir, API_REFERENCE_PACKAGE);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new Error(`${API_REFERENCE_PACKAGE} is not installed: run npm ci`);
}

/** Copies the pinned bundle into the static assets; returns its public path. */
export function copyApiReferenceScript(publicDir = PUBLIC): string {
  const version = pinnedApiReferenceVersion();
  const dir = installedPackage();
  const installed = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
  if (installed !== version) {
    throw new Error(
      `${API_REFERENCE_PACKAGE} ${installed} is installed, package.json pins ${version}: run npm ci`,
    );
  }
  const from = join(dir, 'dist/browser/standalone.js');
  const path = apiReferenceScriptPath(version);
  const to = join(publicDir, path);
  if (!existsSync(to) || statSync(to).size !== statSync(from).size) {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
  return path;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`API reference script in the static assets: ${copyApiReferenceScript()}`);
}
