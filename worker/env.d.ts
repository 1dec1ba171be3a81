// Module types for what wrangler bundles as non-JS modules (see the rules in wrangler.toml).

/** A `.wasm` import is a CompiledWasm module: workerd forbids compiling wasm from bytes at run time. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** A `.onnx` import is a Data module: the model file's bytes. */
declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
