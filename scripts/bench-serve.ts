// npm run bench:serve — the serving benchmark (not a test). In one run it starts the worker under
// `wrangler dev` and the same hono app on plain Node with onnxruntime-node (scripts/bench/node-server.ts),
// both on 127.0.0.1, and measures side by side: the cold start (process start → first answer; session
// creation), HTTP latency and requests/s per endpoint at batch 1 and 64, in-runtime session.run, the
// cold-start ideas (graph optimisation levels, pre-optimised ONNX, ORT format), and the deployable bundle
// size. Writes the tables into BENCHMARKS.md (section bench:serve). BENCH_QUICK=1 for a short run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Task } from '../worker/contract/manifest';
import { MODEL_ASSETS_PREFIX } from '../worker/store/model-files';
import { readModels } from './bench/disk-store';
import { type LocalServer, startNodeServer, startWrangler } from './bench/local-servers';
import { writeSection } from './bench/markdown-section';
import { saveOptimisedModel } from './bench/node-runtime';

const QUICK = process.env.BENCH_QUICK === '1';
const REQUESTS = { 1: QUICK ? 30 : 200, 64: QUICK ? 10 : 40 } as const;
const CONCURRENCY = 4;
/** Fresh processes per cold-start variant (the median is reported): one sample is too noisy on 2 cores. */
const COLD_REPEATS = QUICK ? 1 : 7;
const RUN_ITERS = { 1: QUICK ? 200 : 1000, 64: QUICK ? 20 : 100 } as const;
const MIB = 1024 * 1024;
const IMAGE_TASKS: readonly Task[] = [
  'embed',
  'reconstruct',
  'denoise',
  'cluster',
  'rotation',
  'jigsaw',
  'classify',
];

const image = (seed: number) => Array.from({ length: 784 }, (_, i) => ((i * 31 + seed * 17) % 101) / 100);
const batchOf = (n: number) => Array.from({ length: n }, (_, i) => image(i));

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

interface Latency {
  p50: number;
  p99: number;
  rps: number;
}

/** Sequential requests for p50/p99, then the same count with CONCURRENCY in flight for requests/s. */
async function latency(url: string, body: unknown, count: number): Promise<Latency> {
  for (let i = 0; i < 3; i++) await post(url, body); // warm-up
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await post(url, body);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await post(url, body);
    }),
  );
  const rps = count / ((performance.now() - started) / 1000);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), rps };
}

interface Health {
  startup: Record<string, number>;
  sessions: { session: string; sha256Ms: number; createMs: number }[];
}

interface ColdStart {
  readyMs: number;
  firstRequestMs: number;
  firstAnswerMs: number;
  /** The next request, to a model whose session nothing created yet: read its graph, create, run. */
  lazyRequestMs: number;
  /** That session's creation as the server's /healthz reports it. */
  lazyCreateMs: number;
  startup: Record<string, number>;
}

type ColdKey = Exclude<keyof ColdStart, 'startup'>;

/**
 * Process start → "Ready on" → first answer (a default model's endpoint), then one request to `lazy`,
 * a model that is no task's default, so no server prepares its session ahead of time.
 */
async function coldStart(
  server: LocalServer,
  first: { model: string; task: Task },
  lazy: { model: string; task: Task },
): Promise<ColdStart> {
  const sent = performance.now();
  await post(`${server.url}/v1/${first.task}`, { model: first.model, images: [image(0)] });
  const answered = performance.now();
  await post(`${server.url}/v1/${lazy.task}`, { model: lazy.model, images: [image(0)] });
  const lazyAnswered = performance.now();
  const health = await getJson<Health>(`${server.url}/healthz`);
  return {
    readyMs: server.readyAt - server.spawnedAt,
    firstRequestMs: answered - sent,
    firstAnswerMs: answered - server.spawnedAt,
    lazyRequestMs: lazyAnswered - answered,
    lazyCreateMs: health.sessions.find((s) => s.session.startsWith(`${lazy.model}@`))?.createMs ?? Number.NaN,
    startup: health.startup,
  };
}

const median = (values: readonly number[]) =>
  quantile(
    values.toSorted((a, b) => a - b),
    0.5,
  );

/** Median over fresh processes of each cold-start number (each process is started, asked, stopped). */
function medianColdStart(samples: readonly ColdStart[]): ColdStart {
  const keys: ColdKey[] = ['readyMs', 'firstRequestMs', 'firstAnswerMs', 'lazyRequestMs', 'lazyCreateMs'];
  const medians = Object.fromEntries(keys.map((key) => [key, median(samples.map((sample) => sample[key]))]));
  return { ...(medians as Record<ColdKey, number>), startup: samples.at(-1)?.startup ?? {} };
}

interface RunTime {
  meanMs: number;
  p50Ms: number;
}

const runTime = (server: LocalServer, model: string, n: 1 | 64) =>
  getJson<RunTime>(`${server.url}/__bench/run?model=${model}&n=${n}&iters=${RUN_ITERS[n]}`);

interface SessionBench {
  createMs: number;
  firstRunMs: number;
  meanMs: number;
}

const sessionBench = (server: LocalServer, bytes: Uint8Array, level: string) =>
  getJson<SessionBench>(`${server.url}/__bench/session?level=${level}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });

/** `wrangler deploy --dry-run`: the worker script, raw and gzip-compressed (Cloudflare's limit is on that). */
function bundleSize(): { files: { name: string; raw: number; gzip: number }[] } {
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
function bundledFileName(name: string): string {
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
function startupProfile(): { activeMs: number; windowMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-startup-'));
  try {
    const out = execFileSync(
      'node_modules/.bin/wrangler',
      ['check', 'startup', '--outfile', join(dir, 'startup.cpuprofile')],
      { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } },
    );
    const number = (label: string) =>
      Number(out.match(new RegExp(`${label}: ([\\d.]+) ms`))?.[1] ?? Number.NaN);
    return { activeMs: number('Active'), windowMs: number('Profile window') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The static assets the build step wrote (the dry run ran it), source maps aside: count, total, largest. */
function assetSizes(): {
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
function cpuFlags(): string {
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

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');
const mib = (bytes: number) => `${(bytes / MIB).toFixed(2)} MiB`;

async function main(): Promise<void> {
  const { index, models } = readModels();
  console.log('bundle: wrangler deploy --dry-run …');
  const bundle = bundleSize();
  const assets = assetSizes();
  console.log('start-up: wrangler check startup …');
  const startup = startupProfile();

  // Only what the worker really bundles is compared (worker/store/bundled-models.generated.ts can lag
  // models/index.json until `npm run models:bundle`). GET /v1/models creates no session.
  console.log('worker: starting …');
  const worker = await startWrangler({ PRETEXT_BENCH: '1' });
  const served = await getJson<{ models: { name: string }[] }>(`${worker.url}/v1/models`).catch(async (e) => {
    await worker.stop();
    throw e;
  });
  // session.run is timed on image batches, so only image models (text models take token ids).
  const isText = (name: string) =>
    (models[name]!.manifest as { input?: { layout?: string } }).input?.layout === 'token-ids';
  const names = served.models
    .map((m) => m.name)
    .filter((name) => Object.hasOwn(models, name) && !isText(name));
  const notBundled = Object.keys(models).filter((name) => !names.includes(name) && !isText(name));
  const tasksOf = (name: string) => (models[name]!.manifest as { tasks: Task[] }).tasks;
  // Each image task with a served model: its default model if served, else the first that can.
  const endpoints = IMAGE_TASKS.flatMap((task) => {
    const preferred = (index as { defaults?: Partial<Record<Task, string>> }).defaults?.[task];
    const model =
      preferred !== undefined && names.includes(preferred)
        ? preferred
        : names.find((name) => tasksOf(name).includes(task));
    return model === undefined ? [] : [{ task, model }];
  });
  const skipped = IMAGE_TASKS.filter((task) => !endpoints.some((e) => e.task === task));
  const coldModel = endpoints[0]!;
  // A model that is no task's default: neither server prepares its session before it is asked for.
  const defaults = Object.values((index as { defaults?: Record<string, string> }).defaults ?? {});
  const lazyName = names.find((name) => !defaults.includes(name) && tasksOf(name).includes('embed'));
  if (lazyName === undefined) throw new Error('no served model outside the defaults to time a lazy session');
  const lazyModel = { model: lazyName, task: 'embed' as Task };
  // The largest served model's bytes: the one whose session creation costs most.
  const onnxSize = (name: string) => statSync(join('models', name, 'model.onnx')).size;
  const biggest = names.toSorted((a, b) => onnxSize(b) - onnxSize(a))[0]!;
  const biggestPath = join('models', biggest, 'model.onnx');

  const scratch = mkdtempSync(join(tmpdir(), 'pretext-optimised-'));
  const variants: { label: string; bytes: Uint8Array; level: string }[] = [];
  const original = new Uint8Array(readFileSync(biggestPath));
  for (const level of ['disabled', 'basic', 'extended', 'all']) {
    variants.push({ label: `model.onnx, graphOptimizationLevel ${level}`, bytes: original, level });
  }
  for (const [level, ext] of [
    ['basic', 'onnx'],
    ['extended', 'onnx'],
    ['basic', 'ort'],
  ] as const) {
    const path = join(scratch, `${level}.${ext}`);
    try {
      await saveOptimisedModel(biggestPath, path, level);
      const what = ext === 'ort' ? 'ORT format' : 'ONNX';
      variants.push({
        label: `pre-optimised (${level}) ${what}, level disabled`,
        bytes: new Uint8Array(readFileSync(path)),
        level: 'disabled',
      });
    } catch (error) {
      console.warn(`cannot pre-optimise at ${level} as ${ext}: ${error}`);
    }
  }

  // Cold start: fresh processes, interleaved so that machine noise hits every variant alike.
  const coldVariants = {
    worker: () => startWrangler({ PRETEXT_BENCH: '1' }),
    workerNoWarmUp: () => startWrangler({ PRETEXT_BENCH: '1', ORT_WARMUP: '0' }),
    node: () => startNodeServer(),
  } as const;
  const coldSamples: Record<keyof typeof coldVariants, ColdStart[]> = {
    worker: [],
    workerNoWarmUp: [],
    node: [],
  };
  await worker.stop();
  for (let r = 0; r < COLD_REPEATS; r++) {
    for (const [variant, start] of Object.entries(coldVariants) as [
      keyof typeof coldVariants,
      () => Promise<LocalServer>,
    ][]) {
      console.log(`cold start ${r + 1}/${COLD_REPEATS}: ${variant}`);
      const server = await start();
      try {
        coldSamples[variant].push(await coldStart(server, coldModel, lazyModel));
      } finally {
        await server.stop();
      }
    }
  }
  const cold = {
    worker: medianColdStart(coldSamples.worker),
    workerNoWarmUp: medianColdStart(coldSamples.workerNoWarmUp),
    node: medianColdStart(coldSamples.node),
  };
  /** "median (min–max)" over a variant's processes. */
  const spread = (variant: keyof typeof coldSamples, key: ColdKey) => {
    const values = coldSamples[variant].map((sample) => sample[key]);
    const median = fmt(cold[variant][key], 0);
    return values.length < 2
      ? median
      : `${median} (${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)})`;
  };

  const latencies = new Map<string, Latency>();
  const runs = new Map<string, RunTime>();
  const sessions = new Map<string, SessionBench | string>();

  // 'web' (onnxruntime-web's wasm on plain Node) only for session.run: it separates wasm's cost from workerd's.
  for (const side of ['worker', 'node', 'web'] as const) {
    console.log(`${side}: starting …`);
    const server =
      side === 'worker' ? await startWrangler({ PRETEXT_BENCH: '1' }) : await startNodeServer(60_000, side);
    try {
      if (side !== 'web') {
        for (const { task, model } of endpoints) {
          for (const n of [1, 64] as const) {
            console.log(`${side}: /v1/${task} ${model} batch ${n}`);
            const body = { model, images: batchOf(n) };
            latencies.set(
              `${side} ${task} ${n}`,
              await latency(`${server.url}/v1/${task}`, body, REQUESTS[n]),
            );
          }
        }
      }
      for (const name of names) {
        for (const n of [1, 64] as const) runs.set(`${side} ${name} ${n}`, await runTime(server, name, n));
      }
      if (side === 'web') continue;
      for (const variant of variants) {
        const measured = await sessionBench(server, variant.bytes, variant.level).catch((e: unknown) =>
          String(e).slice(0, 120),
        );
        sessions.set(`${side} ${variant.label}`, measured);
      }
    } finally {
      await server.stop();
    }
  }
  rmSync(scratch, { recursive: true, force: true });

  const w = cold.worker;
  const nd = cold.node;
  const lines: string[] = [];
  lines.push('## Serving');
  lines.push('');
  lines.push(
    `Command: \`npm run bench:serve\`${QUICK ? ' (BENCH_QUICK=1: short run)' : ''}. Both servers run on 127.0.0.1 in the same run: ` +
      'the worker under `wrangler dev` (workerd, onnxruntime-web 1.30 wasm, 1 thread) and the same hono app on ' +
      'plain Node 22 with onnxruntime-node 1.30 (CPU EP, 1 intra-op thread), serving the committed models. ' +
      `Latency: ${REQUESTS[1]} (batch 1) / ${REQUESTS[64]} (batch 64) sequential JSON requests after 3 warm-ups; ` +
      `requests/s: the same count with ${CONCURRENCY} in flight. Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
      'so absolute numbers are noisy; ratios come from the same run.',
  );
  lines.push('');
  lines.push('### Cold start');
  lines.push('');
  lines.push(
    `Median (min–max) of ${COLD_REPEATS} fresh process${COLD_REPEATS === 1 ? '' : 'es'} per column, started in turn; the ratio is of medians. As soon as a ` +
      `process prints "Ready on" it is asked one \`/v1/${coldModel.task}\` of \`${coldModel.model}\` (that endpoint's ` +
      `default) at batch 1, then one \`/v1/${lazyModel.task}\` of \`${lazyModel.model}\`, which is no endpoint's default. ` +
      'When its isolate starts, the deployed worker runs ORT once on the warm-up graph and then creates the sessions of ' +
      'the default models whose graphs are in the script (worker/index.ts); `ORT_WARMUP=0` is the same worker without ' +
      'either, creating every session on first use like the Node server.',
  );
  lines.push('');
  lines.push('| | worker (wrangler dev) | worker, ORT_WARMUP=0 | Node + onnxruntime-node | worker / Node |');
  lines.push('|---|---:|---:|---:|---:|');
  const coldRow = (label: string, key: ColdKey) =>
    `| ${label} | ${spread('worker', key)} | ${spread('workerNoWarmUp', key)} | ${spread('node', key)} | ${ratio(w[key], nd[key])} |`;
  lines.push(coldRow('process start → "Ready on" (ms)', 'readyMs'));
  lines.push(coldRow(`**first request**, \`${coldModel.model}\` (ms; target < 150)`, 'firstRequestMs'));
  lines.push(coldRow('process start → first answer (ms)', 'firstAnswerMs'));
  lines.push(
    coldRow(`next request, \`${lazyModel.model}\`: its session created on demand (ms)`, 'lazyRequestMs'),
  );
  lines.push(coldRow("… of which session creation, by the server's /healthz (ms)", 'lazyCreateMs'));
  lines.push('');
  lines.push(
    "A model's session is created on its first request after reading its graph (in the worker, from the static " +
      `assets). The worker's own timings (${JSON.stringify(w.startup)}, session creation) come from workerd's clock, ` +
      'which only advances between I/O events, so they undercount compute; the request and process times are taken ' +
      'outside, by the benchmark. "Ready on" includes wrangler\'s build step and workerd start-up; Node\'s includes tsx ' +
      "compiling TypeScript. The worker's start-up work runs after its module is evaluated: it moves ORT's one-off " +
      "compilation and the default models' sessions from the first requests to the isolate's start. Cloudflare allows " +
      `1 s for a worker's start-up; \`wrangler check startup\` profiles it on this machine at ${fmt(startup.activeMs, 0)} ms ` +
      `of CPU (a ${fmt(startup.windowMs, 0)} ms window).`,
  );
  lines.push('');
  lines.push(`### Cold-start ideas: session creation of \`${biggest}\` (${mib(original.length)})`);
  lines.push('');
  lines.push(
    'Each row creates a fresh session in an already warm process (`POST /__bench/session`, enabled only with ' +
      '`PRETEXT_BENCH=1`), then times its first run and 100 more at batch 1.',
  );
  lines.push('');
  lines.push(
    '| variant | worker create (ms) | worker first run (ms) | worker mean run (ms) | Node create (ms) | Node mean run (ms) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const variant of variants) {
    const a = sessions.get(`worker ${variant.label}`);
    const b = sessions.get(`node ${variant.label}`);
    const cell = (s: SessionBench | string | undefined, key: keyof SessionBench, d = 1) =>
      typeof s === 'object' ? fmt(s[key], d) : `fails: ${s ?? '–'}`;
    lines.push(
      `| ${variant.label}${variant.bytes === original ? '' : ` (${mib(variant.bytes.length)})`} | ${cell(a, 'createMs')} | ${cell(a, 'firstRunMs')} | ${cell(a, 'meanMs', 2)} | ${cell(b, 'createMs')} | ${cell(b, 'meanMs', 2)} |`,
    );
  }
  lines.push('');
  lines.push('### In-runtime `session.run` (no HTTP, no JSON)');
  lines.push('');
  lines.push(
    '`GET /__bench/run`: mean over the iterations of `ModelSession.run` on the same input, inside each runtime.',
  );
  lines.push('');
  lines.push(
    '| model | batch | worker (ms) | ORT-web wasm on Node (ms) | onnxruntime-node (ms) | worker / Node (target ≤ 2×) | worker / wasm on Node |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of names) {
    for (const n of [1, 64] as const) {
      const a = runs.get(`worker ${name} ${n}`)!;
      const b = runs.get(`node ${name} ${n}`)!;
      const c = runs.get(`web ${name} ${n}`)!;
      lines.push(
        `| ${name} | ${n} | ${fmt(a.meanMs, 3)} | ${fmt(c.meanMs, 3)} | ${fmt(b.meanMs, 3)} | ${ratio(a.meanMs, b.meanMs)} | ${ratio(a.meanMs, c.meanMs)} |`,
      );
    }
  }
  lines.push('');
  const pairs = names.flatMap((name) =>
    ([1, 64] as const).map((n) => ({
      name,
      n,
      ratio: runs.get(`worker ${name} ${n}`)!.meanMs / runs.get(`node ${name} ${n}`)!.meanMs,
      workerd: runs.get(`worker ${name} ${n}`)!.meanMs / runs.get(`web ${name} ${n}`)!.meanMs,
    })),
  );
  const within = pairs.filter((p) => p.ratio <= 2);
  lines.push(
    `Within the 2× target: ${within.length} of ${pairs.length} (model, batch) pairs` +
      (within.length > 0 ? ` (${within.map((p) => `${p.name} at ${p.n}`).join(', ')})` : '') +
      `. Worker / wasm on Node: median ${ratio(median(pairs.map((p) => p.workerd)), 1)}.`,
  );
  lines.push('');
  lines.push(
    "The middle column runs the worker's wasm binary on plain Node: worker / wasm-on-Node is what workerd adds, " +
      "worker / Node what WebAssembly costs against native code. This machine's CPU has " +
      `${cpuFlags()}; onnxruntime-node's kernels use them (and on x86 its optimiser moves convolutions to its ` +
      'blocked NCHWc layout), while WebAssembly SIMD is 128 bits wide, a quarter of AVX-512.',
  );
  lines.push('');
  lines.push('### HTTP per endpoint (JSON in and out)');
  lines.push('');
  lines.push(
    '| endpoint | model | batch | worker p50 / p99 (ms) | worker req/s | Node p50 / p99 (ms) | Node req/s | p50 worker / Node |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const { task, model } of endpoints) {
    for (const n of [1, 64] as const) {
      const a = latencies.get(`worker ${task} ${n}`)!;
      const b = latencies.get(`node ${task} ${n}`)!;
      lines.push(
        `| /v1/${task} | ${model} | ${n} | ${fmt(a.p50)} / ${fmt(a.p99)} | ${fmt(a.rps, 0)} | ${fmt(b.p50)} / ${fmt(b.p99)} | ${fmt(b.rps, 0)} | ${ratio(a.p50, b.p50)} |`,
      );
    }
  }
  if (notBundled.length > 0) {
    lines.push(
      '',
      `Not measured: ${notBundled.join(', ')} (in models/ but not in the worker's bundle yet; \`npm run models:bundle\`).`,
    );
  }
  if (skipped.length > 0)
    lines.push(
      '',
      `No committed model serves ${skipped.join(', ')} yet, so those endpoints are not measured.`,
    );
  lines.push('');
  lines.push('### Bundle (`wrangler deploy --dry-run --outdir`) and static assets');
  lines.push('');
  lines.push("The worker script (what Cloudflare's size limit counts):");
  lines.push('');
  lines.push('| file | raw | gzip -9 |');
  lines.push('|---|---:|---:|');
  let raw = 0;
  let gzip = 0;
  for (const file of bundle.files.toSorted((a, b) => b.raw - a.raw)) {
    raw += file.raw;
    gzip += file.gzip;
    lines.push(`| ${bundledFileName(file.name)} | ${mib(file.raw)} | ${mib(file.gzip)} |`);
  }
  lines.push(`| **total** | **${mib(raw)}** | **${mib(gzip)}** |`);
  lines.push('');
  lines.push(
    `Cloudflare's limit is on the compressed worker: 3 MiB (Free) / 10 MiB (Paid). At ${mib(gzip)} the worker ` +
      `${gzip <= 3 * MIB ? 'fits the Free plan' : 'needs the Paid plan'} and leaves ${mib(10 * MIB - gzip)} on Paid. ` +
      "Every model's graphs, those above included, are also static assets, which the limit does not count: " +
      `${mib(assets.models)} of them, read by the worker through its ASSETS binding (${assets.files} asset files ` +
      `without source maps, ${mib(assets.bytes)} in all, the largest ${assets.largest.name} at ${mib(assets.largest.bytes)}; ` +
      'Cloudflare allows 20,000 files (Free) of up to 25 MiB each).',
  );
  writeSection('BENCHMARKS.md', 'bench:serve', lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
