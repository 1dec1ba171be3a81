// The serving benchmark's section of BENCHMARKS.md, from what one run measured: cold starts, the
// cold-start ideas, in-runtime session.run, HTTP per endpoint, and the bundle and asset sizes.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { opTypesOf } from '../make-warmup-graph';
import {
  type ColdKey,
  type ColdStart,
  type DecodeTime,
  type Latency,
  median,
  medianColdStart,
  type RunTime,
  type SessionBench,
} from './serve-measure';
import type { Plan, SessionVariant } from './serve-plan';
import { COLD_REPEATS, CONCURRENCY, fmt, MIB, mib, QUICK, REQUESTS, ratio } from './serve-settings';
import { type assetSizes, bundledFileName, type bundleSize, cpuFlags } from './serve-sizes';

/** The fresh-process variants of the cold start. */
export type ColdVariant = 'worker' | 'workerNoWarmUp' | 'node';

export interface Measured {
  plan: Plan;
  coldSamples: Record<ColdVariant, ColdStart[]>;
  startup: { activeMs: number; windowMs: number };
  /** The largest model's graph, and its session-creation variants. */
  original: Uint8Array;
  variants: readonly SessionVariant[];
  /** By "side variant label": a measurement, or why it failed. */
  sessions: ReadonlyMap<string, SessionBench | string>;
  /** By "side model batch". */
  runs: ReadonlyMap<string, RunTime>;
  /** By "side task batch" (and "side healthz"); sides: worker (wrangler dev), miniflare, node. */
  latencies: ReadonlyMap<string, Latency>;
  /** Decoding a batch-64 JSON request inside the runtime, by side (miniflare, node). */
  decodes: ReadonlyMap<string, DecodeTime>;
  bundle: ReturnType<typeof bundleSize>;
  assets: ReturnType<typeof assetSizes>;
}

export function serveReport(measured: Measured): string[] {
  const {
    plan,
    coldSamples,
    startup,
    original,
    variants,
    sessions,
    runs,
    latencies,
    decodes,
    bundle,
    assets,
  } = measured;
  const { names, notBundled, endpoints, skipped, coldModel, lazyModel, biggest } = plan;
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
  lines.push(...quantizedLines(measured));
  lines.push('### HTTP per endpoint (JSON in and out)');
  lines.push('');
  lines.push(
    'The worker twice: under `wrangler dev`, whose proxy every request crosses, and under Miniflare directly ' +
      '(`scripts/bench/miniflare-server.ts`: the script `wrangler deploy --dry-run` bundles, in workerd, requests ' +
      "straight to workerd's socket), which is what the runtime itself costs. `GET /healthz` runs no model: the " +
      'per-request overhead alone.',
  );
  lines.push('');
  lines.push(
    '| endpoint | model | batch | wrangler dev p50 / p99 (ms) | Miniflare p50 / p99 (ms) | Miniflare req/s | Node p50 / p99 (ms) | Node req/s | p50 Miniflare / Node |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const health = (side: string) => latencies.get(`${side} healthz`);
  const [hw, hm, hn] = [health('worker'), health('miniflare'), health('node')];
  if (hw && hm && hn) {
    lines.push(
      `| GET /healthz | – | – | ${fmt(hw.p50)} / ${fmt(hw.p99)} | ${fmt(hm.p50)} / ${fmt(hm.p99)} | – | ${fmt(hn.p50)} / ${fmt(hn.p99)} | – | ${ratio(hm.p50, hn.p50)} |`,
    );
  }
  for (const { task, model } of endpoints) {
    for (const n of [1, 64] as const) {
      const a = latencies.get(`worker ${task} ${n}`)!;
      const m = latencies.get(`miniflare ${task} ${n}`)!;
      const b = latencies.get(`node ${task} ${n}`)!;
      lines.push(
        `| /v1/${task} | ${model} | ${n} | ${fmt(a.p50)} / ${fmt(a.p99)} | ${fmt(m.p50)} / ${fmt(m.p99)} | ${fmt(m.rps, 0)} | ${fmt(b.p50)} / ${fmt(b.p99)} | ${fmt(b.rps, 0)} | ${ratio(m.p50, b.p50)} |`,
      );
    }
  }
  lines.push('');
  lines.push(...decodeLines(decodes, latencies));
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
  return lines;
}

/** Served image models with an int8 variant: sizes, and session.run at batch 1 and 64 against fp32. */
function quantizedLines({ plan, runs }: Measured): string[] {
  if (plan.quantized.length === 0) return [];
  const isConv = (name: string) =>
    opTypesOf(new Uint8Array(readFileSync(join('models', name, 'model.onnx')))).has('Conv');
  const manifest = (name: string) =>
    JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8')) as {
      onnx: { bytes: number };
      variants: { q8: { onnx: { bytes: number } } };
    };
  const lines = [
    '### int8 variants (`dtype: "q8"`): size and `session.run`',
    '',
    '`npm run models:quantize` writes them; `GET /__bench/run?dtype=q8` times them like the float graphs above. ' +
      'The target of issue 16: q8 in the worker at batch 64 within 2× of onnxruntime-node in fp32, for every model ' +
      'with convolutions.',
    '',
    '| model | conv | fp32 size | q8 size | size q8 / fp32 | batch | worker fp32 (ms) | worker q8 (ms) | wasm on Node q8 (ms) | Node fp32 (ms) | worker q8 / fp32 | **worker q8 / Node fp32** |',
    '|---|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const verdicts: string[] = [];
  for (const name of plan.quantized) {
    const m = manifest(name);
    const conv = isConv(name);
    for (const n of [1, 64] as const) {
      const fp32 = runs.get(`worker ${name} ${n}`);
      const q8 = runs.get(`worker ${name} ${n} q8`);
      const web = runs.get(`web ${name} ${n} q8`);
      const node = runs.get(`node ${name} ${n}`);
      if (!fp32 || !q8 || !node) continue;
      lines.push(
        `| ${name} | ${conv ? 'yes' : ''} | ${mib(m.onnx.bytes)} | ${mib(m.variants.q8.onnx.bytes)} | ${ratio(m.variants.q8.onnx.bytes, m.onnx.bytes)} | ${n} | ${fmt(fp32.meanMs, 3)} | ${fmt(q8.meanMs, 3)} | ${web ? fmt(web.meanMs, 3) : '–'} | ${fmt(node.meanMs, 3)} | ${ratio(q8.meanMs, fp32.meanMs)} | ${ratio(q8.meanMs, node.meanMs)} |`,
      );
      if (conv && n === 64)
        verdicts.push(
          `${name} ${ratio(q8.meanMs, node.meanMs)}${q8.meanMs <= 2 * node.meanMs ? '' : ' (missed)'}`,
        );
    }
  }
  lines.push('');
  lines.push(
    `Conv models at batch 64, worker q8 / onnxruntime-node fp32 (target ≤ 2×): ${verdicts.join(', ')}.`,
  );
  lines.push('');
  return lines;
}

/** Decoding and validating one batch-64 JSON request, inside each runtime, against the request's p50. */
function decodeLines(
  decodes: ReadonlyMap<string, DecodeTime>,
  latencies: ReadonlyMap<string, Latency>,
): string[] {
  const [mf, node] = [decodes.get('miniflare'), decodes.get('node')];
  if (!mf || !node) return [];
  const embed = (side: string) => latencies.get(`${side} embed 64`)?.p50 ?? Number.NaN;
  return [
    '### Request decoding at batch 64',
    '',
    `\`POST /__bench/decode\`: a batch-64 image request as a canvas-drawing client sends it (64 × 784 doubles k/255, ` +
      `${(mf.bytes / 1e6).toFixed(2)} MB of JSON), decoded and validated inside the runtime, mean of the iterations. ` +
      'The ordinary path is JSON.parse and the zod schema; the fast path (worker/http/image-batch-json.ts) reads ' +
      'the numbers straight into Float32Arrays and leaves the structure to the same schema.',
    '',
    '| runtime | JSON.parse + zod (ms) | fast path + zod (ms) | fast / ordinary | /v1/embed batch 64 p50 (ms) |',
    '|---|---:|---:|---:|---:|',
    `| worker (Miniflare) | ${fmt(mf.ordinary.meanMs, 2)} | ${fmt(mf.fast.meanMs, 2)} | ${ratio(mf.fast.meanMs, mf.ordinary.meanMs)} | ${fmt(embed('miniflare'))} |`,
    `| Node | ${fmt(node.ordinary.meanMs, 2)} | ${fmt(node.fast.meanMs, 2)} | ${ratio(node.fast.meanMs, node.ordinary.meanMs)} | ${fmt(embed('node'))} |`,
    '',
    "workerd's clock advances in whole milliseconds, so its figures are means of coarse readings.",
    '',
  ];
}
