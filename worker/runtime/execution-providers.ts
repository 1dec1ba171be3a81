// Which ONNX Runtime execution providers a device maps to (a frozen table, as in transformers.js).
//
// The webgpu entry keeps `wasm` as its fallback: the bundle imported in ./ort.ts is wasm-only, and ORT
// drops an unavailable provider from the list with a warning instead of failing the session.
export const EXECUTION_PROVIDERS = Object.freeze({
  wasm: Object.freeze(['wasm']),
  webgpu: Object.freeze(['webgpu', 'wasm']),
});

export type Device = keyof typeof EXECUTION_PROVIDERS;

export const DEVICES = Object.freeze(Object.keys(EXECUTION_PROVIDERS) as Device[]);

export function isDevice(device: string): device is Device {
  return Object.hasOwn(EXECUTION_PROVIDERS, device);
}

export function executionProvidersFor(device: string): readonly string[] {
  if (!isDevice(device)) {
    throw new Error(`Unsupported device "${device}". Should be one of: ${DEVICES.join(', ')}.`);
  }
  return EXECUTION_PROVIDERS[device];
}

/** `navigator.gpu` is undefined in workerd today; where it exists (a browser, a future workerd) use it. */
export function detectDevice(): Device {
  const navigatorWithGpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return navigatorWithGpu?.gpu ? 'webgpu' : 'wasm';
}
