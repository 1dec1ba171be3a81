// The same ONNX models, run by onnxruntime-web in this browser: WebGPU when the browser offers a GPU
// adapter, wasm otherwise. The model bytes come from GET /v1/models/:name/:file and are checked against
// the sha256 in the manifest before a session is created; the answers are built by the very functions
// the worker's routes call (worker/serving/answers.ts).

import type * as Ort from 'onnxruntime-web';
import { IMAGE_PIXELS as PIXELS } from '../../contract/image';
import type { Manifest } from '../../contract/manifest';
import { nearestNeighbors } from '../../contract/reference-index';
import { priorSample } from '../../contract/rng';
import {
  classifyAnswer,
  clusterAnswer,
  jigsawAnswer,
  neighborsAnswer,
  probabilitiesOf,
  reconstructionAnswer,
  rotationAnswer,
} from '../../serving/answers';
import { sha256Hex } from '../../store/sha256';
import { DemoError, type Image, type Inference, type Timing } from './inference';
import { gunzip } from './pixels';
import { referenceIndexOf } from './reference-set';

type OrtModule = typeof Ort;
export type Backend = 'webgpu' | 'wasm';

/** The onnxruntime-web bundles served by scripts/build-demo.ts; each embeds its Emscripten glue. */
const ORT_BUILDS: Record<Backend, { bundle: string; binary: string }> = {
  wasm: { bundle: '/build/ort/ort.wasm.bundle.min.mjs', binary: '/build/ort/ort-wasm-simd-threaded.wasm.gz' },
  webgpu: {
    bundle: '/build/ort/ort.bundle.min.mjs',
    binary: '/build/ort/ort-wasm-simd-threaded.jsep.wasm.gz',
  },
};

interface Runtime {
  ort: OrtModule;
  backend: Backend;
}

async function hasGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu === undefined) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function loadRuntime(): Promise<Runtime> {
  const backend: Backend = (await hasGpuAdapter()) ? 'webgpu' : 'wasm';
  const build = ORT_BUILDS[backend];
  const url = new URL(build.bundle, location.href).href;
  const [ort, binary] = await Promise.all([
    import(url) as Promise<OrtModule>,
    fetch(build.binary).then(gunzip),
  ]);
  ort.env.wasm.wasmBinary = binary; // gzipped on the server; also keeps ORT from fetching the .wasm itself
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation; these models run in microseconds
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return { ort, backend };
}

type Outputs = Record<string, { data: Float32Array | BigInt64Array | Int32Array; dims: readonly number[] }>;

function rowsOf(output: Outputs[string] | undefined, count: number): number[][] {
  if (output === undefined) return [];
  const width = output.data.length / count;
  return Array.from({ length: count }, (_, i) =>
    Array.from(output.data.subarray(i * width, (i + 1) * width) as ArrayLike<number | bigint>, Number),
  );
}

export class BrowserInference implements Inference {
  readonly where = 'browser';
  onTiming: ((timing: Timing) => void) | undefined;
  #runtime: Promise<Runtime> | undefined;
  readonly #sessions = new Map<string, Promise<Ort.InferenceSession>>();
  readonly #indexes = new Map<string, ReturnType<typeof referenceIndexOf>>();

  /** The backend in use, once the runtime has loaded. */
  backend: Backend | undefined;

  #loadRuntime(): Promise<Runtime> {
    this.#runtime ??= loadRuntime().then(
      (runtime) => {
        this.backend = runtime.backend;
        return runtime;
      },
      (error: unknown) => {
        this.#runtime = undefined; // let the next call try again
        throw new DemoError(`onnxruntime-web could not load: ${(error as Error).message}`);
      },
    );
    return this.#runtime;
  }

  #session(model: Manifest, graph: { file: string; sha256: string }): Promise<Ort.InferenceSession> {
    const key = `${model.name}@${model.version}/${graph.file}`;
    let session = this.#sessions.get(key);
    if (session === undefined) {
      session = this.#createSession(model, graph);
      session.catch(() => this.#sessions.delete(key));
      this.#sessions.set(key, session);
    }
    return session;
  }

  async #createSession(model: Manifest, graph: { file: string; sha256: string }) {
    const { ort, backend } = await this.#loadRuntime();
    const response = await fetch(
      `/v1/models/${encodeURIComponent(model.name)}/${encodeURIComponent(graph.file)}`,
    );
    if (!response.ok) throw new DemoError(`${model.name}/${graph.file}: HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    const actual = await sha256Hex(bytes);
    if (actual !== graph.sha256) {
      throw new DemoError(
        `${model.name}/${graph.file} has sha256 ${actual}, but its manifest says ${graph.sha256}`,
      );
    }
    try {
      return await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: [backend] });
    } catch (error) {
      if (backend === 'wasm') throw error;
      // A GPU adapter that cannot run this graph: the same bundle also runs the wasm EP.
      this.backend = 'wasm';
      return ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
    }
  }

  /** Runs the model on a batch; answers its outputs by role (manifest.outputs). */
  async #run(model: Manifest, images: Image[]): Promise<Outputs> {
    const start = performance.now();
    const { ort } = await this.#loadRuntime();
    const session = await this.#session(model, model.onnx);
    const batch = new Float32Array(images.length * PIXELS);
    images.forEach((image, i) => {
      batch.set(image, i * PIXELS);
    });
    const results = await session.run({
      [model.input.name]: new ort.Tensor('float32', batch, [images.length, PIXELS]),
    });
    const byRole: Outputs = {};
    for (const [role, spec] of Object.entries(model.outputs)) {
      const tensor = results[spec.name];
      if (tensor !== undefined) byRole[role] = { data: tensor.data as Float32Array, dims: tensor.dims };
    }
    this.onTiming?.({ where: 'browser', backend: this.backend ?? 'wasm', ms: performance.now() - start });
    return byRole;
  }

  #role(model: Manifest, outputs: Outputs, ...roles: string[]): { role: string; output: Outputs[string] } {
    for (const role of roles) {
      const output = outputs[role];
      if (output !== undefined) return { role, output };
    }
    throw new DemoError(`Model "${model.name}" has no ${roles.map((r) => `"${r}"`).join(' or ')} output`);
  }

  async embed(model: Manifest, images: Image[]) {
    return rowsOf(this.#role(model, await this.#run(model, images), 'embedding').output, images.length);
  }

  async reconstruct(model: Manifest, images: Image[]) {
    const outputs = await this.#run(model, images);
    return reconstructionAnswer(
      images,
      rowsOf(this.#role(model, outputs, 'reconstruction').output, images.length),
    );
  }

  async denoise(model: Manifest, images: Image[]) {
    return rowsOf(this.#role(model, await this.#run(model, images), 'denoised').output, images.length);
  }

  async cluster(model: Manifest, images: Image[]) {
    const outputs = await this.#run(model, images);
    const distances = rowsOf(this.#role(model, outputs, 'distances').output, images.length);
    const assigned = outputs['cluster'];
    return clusterAnswer(distances, assigned && rowsOf(assigned, images.length).map((row) => row[0]!));
  }

  async rotation(model: Manifest, images: Image[]) {
    const outputs = await this.#run(model, images);
    const { role, output } = this.#role(model, outputs, 'rotationProbabilities', 'rotationLogits');
    return rotationAnswer(images, probabilitiesOf(role, rowsOf(output, images.length)));
  }

  async jigsaw(model: Manifest, images: Image[]) {
    const outputs = await this.#run(model, images);
    const { role, output } = this.#role(model, outputs, 'permutationProbabilities', 'permutationLogits');
    return jigsawAnswer(images, probabilitiesOf(role, rowsOf(output, images.length)));
  }

  async classify(model: Manifest, images: Image[]) {
    const outputs = await this.#run(model, images);
    const { role, output } = this.#role(model, outputs, 'probabilities', 'logits');
    return classifyAnswer(probabilitiesOf(role, rowsOf(output, images.length)), model.classNames);
  }

  /** /v1/neighbors in the page: the embedding from this browser's session, the same exact search. */
  async neighbors(model: Manifest, images: Image[], k: number) {
    const key = `${model.name}@${model.version}`;
    let index = this.#indexes.get(key);
    if (index === undefined) {
      index = referenceIndexOf(model);
      index.catch(() => this.#indexes.delete(key));
      this.#indexes.set(key, index);
    }
    const [embeddings, { vectors, labels, classNames }] = await Promise.all([
      this.embed(model, images),
      index,
    ]);
    return neighborsAnswer(nearestNeighbors(vectors, embeddings.flat(), k), labels, classNames);
  }

  /** The prior samples of /v1/generate: h ~ N(0, I) from the same seeded generator, decoded here. */
  async generate(model: Manifest, count: number, seed: number) {
    return this.decode(model, priorSample(count, this.#generator(model).latent.dims, seed), count);
  }

  /** Decodes given latent codes (count × dims) with the model's generator graph: the latent walk. */
  async decode(model: Manifest, codes: Float32Array, count: number): Promise<number[][]> {
    const start = performance.now();
    const generator = this.#generator(model);
    const { ort } = await this.#loadRuntime();
    const session = await this.#session(model, generator);
    const feeds = {
      [generator.latent.name]: new ort.Tensor('float32', codes, [count, generator.latent.dims]),
    };
    const results = await session.run(feeds);
    const output = results[generator.output.name];
    if (output === undefined)
      throw new DemoError(`${model.name}'s generator has no output "${generator.output.name}"`);
    this.onTiming?.({ where: 'browser', backend: this.backend ?? 'wasm', ms: performance.now() - start });
    return rowsOf({ data: output.data as Float32Array, dims: output.dims }, count);
  }

  #generator(model: Manifest) {
    if (model.generator === undefined) throw new DemoError(`Model "${model.name}" has no generator graph`);
    return model.generator;
  }
}
