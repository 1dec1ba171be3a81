// Where the compiled training kernels live (built by `npm run build:kernels`, committed).
export const KERNEL_BINARIES = {
  relaxed: new URL('./kernels-relaxed.wasm', import.meta.url),
  simd128: new URL('./kernels-simd128.wasm', import.meta.url),
} as const;
