// npm run bench:serve — the serving benchmark (not a test). In one run it starts the worker under
// `wrangler dev` and the same hono app on plain Node with onnxruntime-node (scripts/bench/node-server.ts),
// both on 127.0.0.1, and measures side by side: the cold start (process start → first answer; session
// creation), HTTP latency and requests/s per endpoint at batch 1 and 64, in-runtime session.run, the
// cold-start ideas (graph optimisation levels, pre-optimised ONNX, ORT format), and the deployable bundle
// size. Writes the tables into BENCHMARKS.md (section bench:serve). BENCH_QUICK=1 for a short run.
// The parts: scripts/bench/serve-{settings,plan,measure,sizes,report}.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModels } from './bench/disk-store';
import { type LocalServer, startNodeServer, startWrangler } from './bench/local-servers';
import { writeSection } from './bench/markdown-section';
import {
  batchOf,
  type ColdStart,
  coldStart,
  getJson,
  type Latency,
  latency,
  type RunTime,
  runTime,
  type SessionBench,
  sessionBench,
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

/** Each side warm: HTTP per endpoint, session.run per model, session creation per variant. */
async function warmMeasurements(
  plan: Plan,
  variants: readonly SessionVariant[],
  sizes: readonly IndexSize[],
) {
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
      for (const name of plan.names) {
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
  return { latencies, runs, sessions };
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
