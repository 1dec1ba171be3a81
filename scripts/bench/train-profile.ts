// `npm run bench:train -- --profile <workload>`: where one training step's time goes. Phases are
// timed separately (forward + loss; forward + backward; the optimizer update), and tf.profile
// attributes the kernels of forward + backward, aggregated by kernel name (with input shapes for
// the heaviest calls), each with its share. Best of several steps, after warm-up steps.
import * as tf from '@tensorflow/tfjs';
import type { Workload } from './train-workloads';

export interface KernelRow {
  kernel: string;
  calls: number;
  ms: number;
}

export interface Profile {
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
  stepMs: number;
  kernels: KernelRow[];
  /** The heaviest calls, by kernel and input shapes. */
  calls: (KernelRow & { shapes: string })[];
}

function best(times: number, f: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

export async function profileStep(w: Workload, repeats = 5): Promise<Profile> {
  w.step();
  w.step();
  const forwardMs = best(repeats, () => tf.tidy(() => w.loss().dataSync()));
  const gradientsMs = best(repeats, () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(w.loss);
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
    }),
  );
  const stepMs = best(repeats, () => w.step());
  const profile = await tf.profile(() => {
    tf.tidy(() => {
      const { value } = tf.variableGrads(w.loss);
      value.dataSync();
    });
  });
  const byKernel = new Map<string, KernelRow>();
  const byCall = new Map<string, KernelRow & { shapes: string }>();
  for (const k of profile.kernels) {
    // Ops that wrap kernels (fusedConv2d__op, customGrad scopes) would count their kernels twice.
    if (k.name.endsWith('__op') || k.name === 'unnamed scope') continue;
    const ms = Number(k.kernelTimeMs) || 0;
    const row = byKernel.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    row.calls++;
    row.ms += ms;
    byKernel.set(k.name, row);
    const shapes = k.inputShapes.map((s) => (s ? `[${s.join(',')}]` : '–')).join(' ');
    const key = `${k.name} ${shapes}`;
    const call = byCall.get(key) ?? { kernel: k.name, shapes, calls: 0, ms: 0 };
    call.calls++;
    call.ms += ms;
    byCall.set(key, call);
  }
  return {
    forwardMs,
    backwardMs: Math.max(0, gradientsMs - forwardMs),
    updateMs: Math.max(0, stepMs - gradientsMs),
    stepMs,
    kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms),
    calls: [...byCall.values()].sort((a, b) => b.ms - a.ms).slice(0, 12),
  };
}

export function profileMarkdown(p: Profile, samplesPerStep: number): string {
  const total = p.kernels.reduce((s, k) => s + k.ms, 0);
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1)} %`;
  const f = (ms: number) => ms.toFixed(1);
  return [
    `One step of ${samplesPerStep} images: ${f(p.stepMs)} ms (${((1000 * samplesPerStep) / p.stepMs).toFixed(0)} images/s) = forward + loss ${f(p.forwardMs)} ms + backward ${f(p.backwardMs)} ms + optimizer update ${f(p.updateMs)} ms (each the best of 5).`,
    '',
    `Kernels of forward + backward (tf.profile, ${f(total)} ms in kernels):`,
    '',
    '| kernel | calls | ms | share |',
    '|---|---:|---:|---:|',
    ...p.kernels
      .filter((k) => k.ms >= 0.05 * total || k.calls > 0)
      .slice(0, 14)
      .map((k) => `| ${k.kernel} | ${k.calls} | ${f(k.ms)} | ${pct(k.ms)} |`),
    '',
    'Heaviest calls:',
    '',
    '| kernel | input shapes | ms | share |',
    '|---|---|---:|---:|',
    ...p.calls.map((c) => `| ${c.kernel} | ${c.shapes} | ${f(c.ms)} | ${pct(c.ms)} |`),
  ].join('\n');
}
