// npm run bench:train — training throughput (samples/s) of three workloads on every backend that
// loads here, plus PyTorch on the CPU when python3-torch is installed, all in one run; writes the
// table into BENCHMARKS.md. Each (backend, workload) runs in its own process so kernel
// registrations and memory do not leak between measurements.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, selectBackend } from '../train/backend/select';
import { writeSection } from './bench/markdown-section';
import { buildWorkload, WORKLOADS, type WorkloadName } from './bench/train-workloads';

interface Measurement {
  workload: WorkloadName;
  backend: string;
  samplesPerSecond?: number;
  steps?: number;
  error?: string;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** 'wasm-stock' is tfjs's wasm backend without the project's kernels: the in-run baseline. */
type BenchBackend = BackendName | 'wasm-stock';

async function child(backend: BenchBackend, workload: WorkloadName): Promise<void> {
  if (backend === 'wasm-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  } else {
    await selectBackend({ force: backend, log: () => {} });
  }
  const w = buildWorkload(workload);
  const result: Measurement = { workload, backend };
  try {
    w.step();
    w.step(); // warm-up: kernel compilation, allocator growth
    let steps = 0;
    const t0 = performance.now();
    let elapsed = 0;
    do {
      w.step();
      steps++;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < SECONDS || steps < 3);
    result.samplesPerSecond = (steps * w.samplesPerStep) / elapsed;
    result.steps = steps;
  } catch (error) {
    result.error = (error as Error).message.split('\n')[0];
  }
  w.dispose();
  console.log(JSON.stringify(result));
}

function runChild(backend: BenchBackend, workload: WorkloadName): Measurement {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', backend, workload],
    {
      encoding: 'utf8',
      env: process.env,
    },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measurement;
  } catch {
    return {
      workload,
      backend,
      error: (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`).slice(0, 160),
    };
  }
}

/** Debian's python3-torch lives in the system Python, which a pyenv shim on PATH may hide. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function pytorch(): Measurement[] {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    console.error(
      'PyTorch baseline skipped: python3 cannot import torch (Debian: apt-get install python3-torch)',
    );
    return [];
  }
  const out = execFileSync(
    PYTHON,
    [new URL('./bench/torch_train.py', import.meta.url).pathname, String(SECONDS)],
    {
      encoding: 'utf8',
    },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Measurement);
}

async function availableBackends(): Promise<BackendName[]> {
  const choice = await selectBackend({ log: () => {} });
  const skipped = new Set(choice.skipped.map((s) => s.name));
  return (['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const).filter((b) => !skipped.has(b));
}

async function main() {
  const backends: BenchBackend[] = [...(await availableBackends()), 'wasm-stock'];
  const results: Measurement[] = [];
  for (const workload of Object.keys(WORKLOADS) as WorkloadName[]) {
    for (const backend of backends) {
      // The cpu backend's conv gradients are naive loops (about a minute per step here): only the MLP.
      if (backend === 'cpu' && workload !== 'mlp-ae') {
        results.push({
          workload,
          backend,
          error: 'not run: conv training on the cpu backend takes minutes per step',
        });
        continue;
      }
      const m = runChild(backend, workload);
      console.error(
        `${workload.padEnd(8)} ${backend.padEnd(11)} ${m.samplesPerSecond?.toFixed(0) ?? m.error}`,
      );
      results.push(m);
    }
  }
  const torch = pytorch();
  for (const m of torch)
    console.error(`${m.workload.padEnd(8)} ${m.backend} ${m.samplesPerSecond?.toFixed(0)}`);

  const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(0));
  const rows = (Object.keys(WORKLOADS) as WorkloadName[]).map((w) => {
    const of = (b: string) => results.find((r) => r.workload === w && r.backend === b);
    const wasm = of('wasm')?.samplesPerSecond;
    const stock = of('wasm-stock');
    const torchRate = torch.find((t) => t.workload === w)?.samplesPerSecond;
    const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
    return `| ${WORKLOADS[w].label} | ${fmt(wasm)} | ${stock?.samplesPerSecond ? fmt(stock.samplesPerSecond) : `fails (${stock?.error ?? '?'})`} | ${fmt(of('cpu')?.samplesPerSecond)} | ${fmt(torchRate)} | ${ratio(wasm, stock?.samplesPerSecond)} | ${ratio(wasm, torchRate)} |`;
  });
  const torchVersion = torch[0]?.backend ?? 'not installed';
  const body = [
    '## Training throughput',
    '',
    `Command: \`npm run bench:train\` (each cell: samples/s over ≥ ${SECONDS} s after 2 warm-up steps, one process per cell).`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; tfjs ${tf.version.tfjs}; baseline ${torchVersion}.`,
    '',
    '| workload | wasm + project kernels | wasm stock | cpu | PyTorch CPU | vs wasm stock | vs PyTorch |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Backends not available on this machine: ${['tfjs-node-gpu', 'tfjs-node'].filter((b) => !backends.includes(b as BackendName)).join(', ') || 'none'}.`,
  ].join('\n');
  writeSection('BENCHMARKS.md', 'bench:train', body);
  console.error('wrote BENCHMARKS.md (bench:train section)');
}

if (process.argv[2] === '--child')
  await child(process.argv[3] as BenchBackend, process.argv[4] as WorkloadName);
else await main();
