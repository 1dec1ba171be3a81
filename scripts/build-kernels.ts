// npm run build:kernels — compiles the training kernels (train/backend/simd/assembly/, AssemblyScript)
// to the two committed WebAssembly binaries: one with relaxed-SIMD fused multiply-add, for runtimes
// that have it (Node ≥ 22, Chrome ≥ 114), and one with plain 128-bit SIMD for the others. Both
// import the tfjs wasm backend's shared memory and define no data of their own.
// `--check` compiles in memory and fails when a committed binary differs (the test runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import asc from 'assemblyscript/asc';
import { KERNEL_BINARIES } from '../train/backend/simd/binaries';

const ENTRY = 'train/backend/simd/assembly/index.ts';

export async function compileKernels(variant: keyof typeof KERNEL_BINARIES): Promise<Uint8Array> {
  const features = variant === 'relaxed' ? 'simd,relaxed-simd,threads' : 'simd,threads';
  let binary: Uint8Array | undefined;
  let errors = '';
  const { error } = await asc.main(
    [
      ENTRY,
      '-O3',
      '--noAssert',
      '--runtime',
      'stub',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      '1',
      '--maximumMemory',
      '65536',
      '--enable',
      features,
      '--outFile',
      'kernels.wasm',
    ],
    {
      writeFile: (name, contents) => {
        if (name.endsWith('.wasm')) binary = contents as Uint8Array;
      },
      stderr: {
        write: (chunk: string | Uint8Array) => {
          errors += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
          return true;
        },
      },
    },
  );
  if (error || !binary) throw new Error(`asc failed for ${variant}: ${error?.message ?? ''}\n${errors}`);
  return binary;
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const variant of Object.keys(KERNEL_BINARIES) as (keyof typeof KERNEL_BINARIES)[]) {
    const path = KERNEL_BINARIES[variant].pathname;
    const binary = await compileKernels(variant);
    if (check) {
      const committed = readFileSync(path);
      if (Buffer.compare(committed, Buffer.from(binary)) !== 0) {
        console.error(`${path} is stale: run npm run build:kernels`);
        stale++;
      }
    } else {
      writeFileSync(path, binary);
      console.error(`wrote ${path} (${binary.length} bytes)`);
    }
  }
  if (stale) process.exit(1);
}

if (import.meta.filename === process.argv[1]) await main();
