// The serving benchmark's settings (BENCH_QUICK=1 for a short run) and number formats.
import type { Task } from '../../worker/contract/manifest';

export const QUICK = process.env.BENCH_QUICK === '1';
export const REQUESTS = { 1: QUICK ? 30 : 200, 64: QUICK ? 10 : 40 } as const;
export const CONCURRENCY = 4;
/** Fresh processes per cold-start variant (the median is reported): one sample is too noisy on 2 cores. */
export const COLD_REPEATS = QUICK ? 1 : 7;
export const RUN_ITERS = { 1: QUICK ? 200 : 1000, 64: QUICK ? 20 : 100 } as const;
export const MIB = 1024 * 1024;
export const IMAGE_TASKS: readonly Task[] = [
  'embed',
  'reconstruct',
  'denoise',
  'cluster',
  'rotation',
  'jigsaw',
  'classify',
];

export const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');
export const mib = (bytes: number) => `${(bytes / MIB).toFixed(2)} MiB`;
