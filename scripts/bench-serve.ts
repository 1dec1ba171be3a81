// npm run bench:serve — the serving benchmark (not a test). In one run it starts the worker under
// `wrangler dev` and under Miniflare directly (no wrangler proxy: scripts/bench/miniflare-server.ts), and
// the same hono app on plain Node with onnxruntime-node (scripts/bench/node-server.ts), all on 127.0.0.1,
// and measures side by side: the cold start (process start → first answer; session creation), HTTP
// latency and requests/s per endpoint at batch 1 and 64, in-runtime session.run (fp32 and the int8
// variants), decoding a batch-64 JSON request, the cold-start ideas (graph optimisation levels,
// pre-optimised ONNX, ORT format), and the deployable bundle size. Writes the tables into BENCHMARKS.md (section bench:serve). BENCH_QUICK=1 for a short run.
// The parts: scripts/bench/serve-{settings,plan,measure,sizes,report}.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModels } from './bench/disk-store';
import { type LocalServer, startNodeServer, startWrangler } from './bench/local-servers';
import { writeSection } from './bench/markdown-section';
import { startMiniflare } from './bench/miniflare-server';
import {
  batchOf,
  type ColdStart,
  coldStart,
  type DecodeTime,
  decodeTime,
  getJson,
  type Latency,
  latency,
  type RunTime,
  runTime,
  type SessionBench,
  sessionBench,
  trivialLatency,
} from './bench/serve-measure';
import { type IndexSize, indexSizes, measureNeighbors, neighborsReport } from './bench/serve-neighbors';
import { measurementPlan, type Plan, type SessionVariant, sessionVariants } from './bench/serve-plan';
import { type ColdVariant, serveReport } from './bench/serve-report';
import { COLD_REPEATS, REQUESTS } from './bench/serve-settings';
import { assetSizes, bundleSize, startupProfile } from './bench/serve-sizes';

/** Fresh processes of each variant, interleaved so that machine noise hits every variant alike. */
async function coldStarts(plan: Plan): Promise<Record<ColdVariant, ColdStart[]>> {
  const variants: Record<ColdVariant, () => Promise<LocalServer>> = {
    worker: () => startWrangler({ PRETEXT_BENCH: '1' }),
    workerNoWarmUp: () => startWrangler({ PRETEXT_BENCH: '1', ORT_WARMUP: '0' }),
    node: () => startNodeServer(),
  };
  const samples: Record<ColdVariant, ColdStart[]> = { worker: [], workerNoWarmUp: [], node: [] };
  for (let r = 0; r < COLD_REPEATS; r++) {
    for (const [variant, start] of Object.entries(variants) as [ColdVariant, () => Promise<LocalServer>][]) {
      console.log(`cold start ${r + 1}/${COLD_REPEATS}: ${variant}`);
      const server = await start();
      try {
        samples[variant].push(await coldStart(server, plan.coldModel, plan.lazyModel));
      } finally {
        await server.stop();
      }
    }
  }
  return samples;
}

/** The sides of the warm measurements: the worker under wrangler dev and under Miniflare directly, the
 * app on Node with onnxruntime-node, and with onnxruntime-web's wasm on Node (session.run only). */
type Side = 'worker' | 'miniflare' | 'node' | 'web';

const startSide = (side: Side): Promise<LocalServer> =>
  side === 'worker'
    ? startWrangler({ PRETEXT_BENCH: '1' })
    : side === 'miniflare'
      ? startMiniflare({ PRETEXT_BENCH: '1' })
      : startNodeServer(60_000, side);

/**
 * Each side warm: HTTP per endpoint (and /v1/neighbors per index size), session.run per model (and its q8
 * variant), session creation, decoding.
 */
async function warmMeasurements(
  plan: Plan,
  variants: readonly SessionVariant[],
  sizes: readonly IndexSize[],
) {
  const latencies = new Map<string, Latency>();
  const runs = new Map<string, RunTime>();
  const sessions = new Map<string, SessionBench | string>();
  const decodes = new Map<string, DecodeTime>();
  for (const side of ['worker', 'miniflare', 'node', 'web'] as const) {
    console.log(`${side}: starting …`);
    const server = await startSide(side);
    try {
      if (side !== 'web') {
        latencies.set(`${side} healthz`, await trivialLatency(`${server.url}/healthz`, REQUESTS[1]));
        for (const { task, model } of plan.endpoints) {
          for (const n of [1, 64] as const) {
            console.log(`${side}: /v1/${task} ${model} batch ${n}`);
            const body = { model, images: batchOf(n) };
            latencies.set(
              `${side} ${task} ${n}`,
              await latency(`${server.url}/v1/${task}`, body, REQUESTS[n]),
            );
          }
        }
        await measureNeighbors(side, server.url, sizes, latencies);
      }
      if (side === 'miniflare' || side === 'node') decodes.set(side, await decodeTime(server));
      if (side === 'miniflare') continue; // its session.run is the worker's: the same workerd
      for (const name of plan.names) {
        for (const n of [1, 64] as const) runs.set(`${side} ${name} ${n}`, await runTime(server, name, n));
        if (side !== 'node' && plan.quantized.includes(name)) {
          for (const n of [1, 64] as const)
            runs.set(`${side} ${name} ${n} q8`, await runTime(server, name, n, 'q8'));
        }
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
  return { latencies, runs, sessions, decodes };
}

async function main(): Promise<void> {
  const bundled = readModels();
  console.log('bundle: wrangler deploy --dry-run …');
  const bundle = bundleSize();
  const assets = assetSizes();
  console.log('start-up: wrangler check startup …');
  const startup = startupProfile();

  // Only what the worker really bundles is compared (worker/store/bundled-models.generated.ts can lag
  // models/index.json until `npm run models:bundle`). GET /v1/models creates no session.
  console.log('worker: starting …');
  const worker = await startWrangler({ PRETEXT_BENCH: '1' });
  let plan: Plan;
  let sizes: IndexSize[];
  try {
    const served = await getJson<{ models: { name: string }[] }>(`${worker.url}/v1/models`);
    plan = measurementPlan(
      bundled,
      served.models.map((m) => m.name),
    );
    sizes = indexSizes(
      bundled,
      served.models.map((m) => m.name),
    );
  } finally {
    await worker.stop();
  }
  const scratch = mkdtempSync(join(tmpdir(), 'pretext-optimised-'));
  try {
    const variants = await sessionVariants(join('models', plan.biggest, 'model.onnx'), scratch);
    const original = variants[0]!.bytes;
    const coldSamples = await coldStarts(plan);
    const warm = await warmMeasurements(plan, variants, sizes);
    const lines = serveReport({ plan, coldSamples, startup, original, variants, ...warm, bundle, assets });
    // Before the bundle's section: /v1/neighbors is one more table of the HTTP measurements.
    lines.splice(
      lines.indexOf('### Bundle (`wrangler deploy --dry-run --outdir`) and static assets'),
      0,
      ...neighborsReport(sizes, warm.latencies),
    );
    writeSection('BENCHMARKS.md', 'bench:serve', lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
