// The deployable's sizes and the machine: the worker bundle (`wrangler deploy --dry-run`), its start-up
// CPU profile (`wrangler check startup`), the static assets, and the CPU's SIMD extensions.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MODEL_ASSETS_PREFIX } from '../../worker/store/model-files';

/** `wrangler deploy --dry-run`: the worker script, raw and gzip-compressed (Cloudflare's limit is on that). */
export function bundleSize(): { files: { name: string; raw: number; gzip: number }[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'pretext-bundle-'));
  try {
    execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', outdir], {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    });
    const files = readdirSync(outdir, { recursive: true, encoding: 'utf8' })
      .filter(
        (name) => statSync(join(outdir, name)).isFile() && !name.endsWith('.map') && name !== 'README.md',
      )
      .map((name) => {
        const bytes = readFileSync(join(outdir, name));
        return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
      });
    return { files };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * wrangler names a bundled module `<sha1 of its bytes>-<file name>`: name a model's graph by its model
 * (models/<name>/<file> with the same sha1), anything else by its file name.
 */
export function bundledFileName(name: string): string {
  const [, sha1, file] = name.match(/^([0-9a-f]{40})-(.+)$/) ?? [];
  if (sha1 === undefined || file === undefined) return name;
  for (const model of readdirSync('models')) {
    const path = join('models', model, file);
    if (existsSync(path) && createHash('sha1').update(readFileSync(path)).digest('hex') === sha1) {
      return `models/${model}/${file}`;
    }
  }
  return file;
}

/**
 * `wrangler check startup`: a CPU profile of the worker's start-up (module evaluation and the work it
 * starts: the ORT warm-up and the preloaded sessions), which Cloudflare limits to 1 s. Its active time.
 */
export function startupProfile(): { activeMs: number; windowMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-startup-'));
  try {
    return profileStartup(dir);
  } catch (error) {
    // wrangler gives the profile 10 s; on a loaded machine that can pass: report it unmeasured, go on.
    console.warn(`wrangler check startup failed: ${String(error).split('\n')[0]}`);
    return { activeMs: Number.NaN, windowMs: Number.NaN };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function profileStartup(dir: string): { activeMs: number; windowMs: number } {
  const out = execFileSync(
    'node_modules/.bin/wrangler',
    ['check', 'startup', '--outfile', join(dir, 'startup.cpuprofile')],
    { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } },
  );
  const number = (label: string) =>
    Number(out.match(new RegExp(`${label}: ([\\d.]+) ms`))?.[1] ?? Number.NaN);
  return { activeMs: number('Active'), windowMs: number('Profile window') };
}

/** The static assets the build step wrote (the dry run ran it), source maps aside: count, total, largest. */
export function assetSizes(): {
  files: number;
  bytes: number;
  largest: { name: string; bytes: number };
  models: number;
} {
  const root = 'worker/demo/public';
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(root, name)).isFile() && !name.endsWith('.map'))
    .map((name) => ({ name, bytes: statSync(join(root, name)).size }));
  const largest = files.reduce((a, b) => (b.bytes > a.bytes ? b : a), { name: '–', bytes: 0 });
  const models = files
    .filter((f) => f.name.startsWith(MODEL_ASSETS_PREFIX.slice(1)))
    .reduce((n, f) => n + f.bytes, 0);
  return { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), largest, models };
}

/** The SIMD extensions the CPU reports (Linux), for reading the session.run ratios. */
export function cpuFlags(): string {
  try {
    const flags = new Set(
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:(.*)$/m)?.[1]
        ?.trim()
        .split(/\s+/),
    );
    const simd = ['avx2', 'fma', 'avx512f', 'avx512_vnni'].filter((flag) => flags.has(flag));
    return simd.length > 0 ? simd.join(', ') : 'no AVX2/AVX-512';
  } catch {
    return 'unknown SIMD extensions';
  }
}
