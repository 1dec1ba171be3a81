// The worker under Miniflare directly, without `wrangler dev`: the script `wrangler deploy --dry-run`
// bundles (the very one Cloudflare gets), in workerd, with wrangler.toml's vars and bindings (static
// assets, a local R2 bucket, the rate limiter), listening on a free 127.0.0.1 port. Requests reach
// workerd's socket straight, not through wrangler dev's proxy, so the runtime's own cost per request shows
// (BENCHMARKS.md, "HTTP per endpoint"). Used by bench:serve.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { freePort, type LocalServer } from './local-servers';

/** The vars of wrangler.toml the worker reads, plus `vars` (e.g. PRETEXT_BENCH: '1'). */
const WRANGLER_VARS = {
  MODEL_POINTER_TTL_S: '5',
  RATE_LIMIT_PERIOD_S: '60',
  ORT_WARMUP: '1',
  ORT_MEMORY_BUDGET_MIB: '64',
  CORS_ORIGINS: '',
};

export async function startMiniflare(vars: Record<string, string> = {}): Promise<LocalServer> {
  const spawnedAt = performance.now();
  const outdir = mkdtempSync(join(tmpdir(), 'pretext-miniflare-'));
  execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', outdir], {
    stdio: 'ignore',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  const port = await freePort();
  const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(
    readFileSync('wrangler.toml', 'utf8'),
  )![1]!;
  // Miniflare 5 takes a list of workers; its converter takes the one-worker form wrangler's docs show.
  const options = convertV4MiniflareOptions({
    host: '127.0.0.1',
    port,
    log: new Log(LogLevel.WARN),
    cf: false, // no request.cf from Cloudflare's servers: a local placeholder
    // The bundle and the modules it imports: onnxruntime-web's wasm (compiled), ONNX graphs (data).
    modulesRoot: outdir,
    modules: readdirSync(outdir)
      .filter((file) => /\.(js|wasm|onnx)$/.test(file))
      .sort((a, b) => Number(b === 'index.js') - Number(a === 'index.js'))
      .map((file) => ({
        type: file.endsWith('.js') ? 'ESModule' : file.endsWith('.wasm') ? 'CompiledWasm' : 'Data',
        path: join(outdir, file),
      })),
    compatibilityDate,
    bindings: { ...WRANGLER_VARS, ...vars },
    r2Buckets: ['MODELS'],
    ratelimits: { RATE_LIMITER: { namespace_id: '1001', simple: { limit: 100, period: 60 } } },
    assets: {
      directory: 'worker/demo/public',
      binding: 'ASSETS',
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: false },
    },
  } as never);
  const mf = new Miniflare(options);
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return {
    url,
    pid: process.pid,
    spawnedAt,
    readyAt: performance.now(),
    output: () => '',
    stop: async () => {
      await mf.dispose();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
