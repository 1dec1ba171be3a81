// The committed kernel binaries must be what their AssemblyScript sources compile to, so that an
// edit of a kernel never ships without its rebuild (npm run build:kernels).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../scripts/build-kernels';
import { KERNEL_BINARIES } from '../../train/backend/simd/binaries';

describe('npm run build:kernels', () => {
  for (const variant of Object.keys(KERNEL_BINARIES) as (keyof typeof KERNEL_BINARIES)[]) {
    it(`kernels-${variant}.wasm is fresh and defines no memory or data of its own`, async () => {
      const built = await compileKernels(variant);
      expect(Buffer.compare(Buffer.from(built), readFileSync(KERNEL_BINARIES[variant]))).toBe(0);
      const module = new WebAssembly.Module(Uint8Array.from(built));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      // No data segments: the module writes only where the kernels are told to.
      expect(hasDataSection(built)).toBe(false);
    });
  }
});

/** Whether the binary has a data section (id 11). */
function hasDataSection(bytes: Uint8Array): boolean {
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at]!;
    let size = 0;
    let shift = 0;
    let p = at + 1;
    let b: number;
    do {
      b = bytes[p++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (id === 11) return true;
    at = p + size;
  }
  return false;
}
