// Which ONNX Runtime execution providers a device maps to (a frozen table, as in transformers.js).
//
// No entry falls back to another provider: ORT drops an unavailable provider with a warning and runs
// on the next, so a ['webgpu', 'wasm'] list would run on wasm while /healthz said "webgpu". With one
// provider per device, a session either runs on the device it names or fails to be created.
export const EXECUTION_PROVIDERS = Object.freeze({
  wasm: Object.freeze(['wasm']),
  webgpu: Object.freeze(['webgpu']),
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

/** Whether this runtime exposes WebGPU at all. `navigator.gpu` is undefined in workerd today. */
export function hasWebGpu(): boolean {
  return Boolean((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu);
}
