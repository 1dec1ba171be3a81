// The training engine before the project's SIMD kernels, for the profile's "before" column: tfjs's
// stock wasm backend with the composed gradient kernels (Conv2DBackpropFilter/Input and BatchMatMul
// from tfjs ops) that commit BASELINE_COMMIT registered. Their source is read from git history into
// .cache/ (they import only @tensorflow/tfjs) and registered as that commit did, so the same
// workload runs on both engines in one command.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** The last commit with the composed kernels, before the SIMD kernels replaced them. */
export const BASELINE_COMMIT = '979875c';

const FILES = [
  'train/backend/wasm-kernels.ts',
  'train/backend/kernels/kernel-composition.ts',
  'train/backend/kernels/batch-matmul-nn.ts',
  'train/backend/kernels/conv2d-backprop-filter.ts',
  'train/backend/kernels/conv2d-backprop-input.ts',
];

export async function activateBaselineEngine(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const dir = resolve('.cache', `engine-${BASELINE_COMMIT}`);
  for (const file of FILES) {
    let source: string;
    try {
      source = execFileSync('git', ['show', `${BASELINE_COMMIT}:${file}`], { encoding: 'utf8' });
    } catch {
      throw new Error(
        `the baseline engine needs git history with commit ${BASELINE_COMMIT} (a full clone, not a shallow one)`,
      );
    }
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), source);
  }
  const kernels = (await import(pathToFileURL(join(dir, FILES[0]!)).href)) as {
    registerWasmTrainingKernels(backend?: string): string[];
  };
  kernels.registerWasmTrainingKernels('wasm');
}
