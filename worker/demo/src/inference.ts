// One interface, two places to run it: the HTTP API (the default) or onnxruntime-web in this browser
// (browser-inference.ts). Both answer in the API's shapes, so the panels do not know which one ran.
import type { Manifest } from '../../contract/manifest';
import type { ClassPrediction, JigsawAnswer, NamedNeighbor, RotationAnswer } from '../../serving/answers';

export type Image = Float32Array;

export type { ClassPrediction, NamedNeighbor } from '../../serving/answers';
export type RotationPrediction = RotationAnswer['predictions'][number];
export type JigsawPrediction = JigsawAnswer['predictions'][number];

/** Where the last call ran and how long it took (model loading included, when it happened). */
export interface Timing {
  where: 'api' | 'browser';
  backend: string;
  ms: number;
}

export interface Inference {
  readonly where: 'api' | 'browser';
  embed(model: Manifest, images: Image[]): Promise<number[][]>;
  reconstruct(model: Manifest, images: Image[]): Promise<{ images: number[][]; mse: number[] }>;
  denoise(model: Manifest, images: Image[]): Promise<number[][]>;
  cluster(model: Manifest, images: Image[]): Promise<{ clusters: number[]; distances: number[][] }>;
  rotation(
    model: Manifest,
    images: Image[],
  ): Promise<{ predictions: RotationPrediction[]; upright: number[][] }>;
  jigsaw(
    model: Manifest,
    images: Image[],
  ): Promise<{ predictions: JigsawPrediction[]; restored: number[][] }>;
  classify(model: Manifest, images: Image[]): Promise<ClassPrediction[]>;
  generate(model: Manifest, count: number, seed: number): Promise<number[][]>;
  /** The k nearest items of the model's reference index to each image (/v1/neighbors). */
  neighbors(model: Manifest, images: Image[], k: number): Promise<NamedNeighbor[][]>;
  /** Every call's timing, for the status line. */
  onTiming: ((timing: Timing) => void) | undefined;
}

/** An error whose message is fit to show in a panel ("503 model_unavailable: Model … is unavailable: …"). */
export class DemoError extends Error {
  override name = 'DemoError';
}

/** The API's error body {error: {code, message}} as one readable line. */
async function describeFailure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${response.status} ${body.error.code ?? 'error'}: ${body.error.message}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  return `${response.status} ${response.statusText || 'error'}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

export class ApiInference implements Inference {
  readonly where = 'api';
  onTiming: ((timing: Timing) => void) | undefined;
  readonly #base: string;

  constructor(base = '') {
    this.#base = base;
  }

  async #post<T>(path: string, body: unknown): Promise<T> {
    const start = performance.now();
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new DemoError(
        `The API cannot be reached (${(error as Error).message}); try "run in this browser"`,
      );
    }
    if (!response.ok) throw new DemoError(await describeFailure(response));
    const answer = (await response.json()) as T;
    this.onTiming?.({ where: 'api', backend: 'API', ms: performance.now() - start });
    return answer;
  }

  #images(model: Manifest, path: string, images: Image[]) {
    return this.#post<Record<string, unknown>>(path, {
      model: model.name,
      images: images.map((i) => Array.from(i)),
    });
  }

  async embed(model: Manifest, images: Image[]) {
    return (await this.#images(model, '/v1/embed', images))['embeddings'] as number[][];
  }
  async reconstruct(model: Manifest, images: Image[]) {
    const answer = await this.#images(model, '/v1/reconstruct', images);
    return { images: answer['images'] as number[][], mse: answer['mse'] as number[] };
  }
  async denoise(model: Manifest, images: Image[]) {
    return (await this.#images(model, '/v1/denoise', images))['images'] as number[][];
  }
  async cluster(model: Manifest, images: Image[]) {
    const answer = await this.#images(model, '/v1/cluster', images);
    return { clusters: answer['clusters'] as number[], distances: answer['distances'] as number[][] };
  }
  async rotation(model: Manifest, images: Image[]) {
    const answer = await this.#images(model, '/v1/rotation', images);
    return {
      predictions: answer['predictions'] as RotationPrediction[],
      upright: answer['upright'] as number[][],
    };
  }
  async jigsaw(model: Manifest, images: Image[]) {
    const answer = await this.#images(model, '/v1/jigsaw', images);
    return {
      predictions: answer['predictions'] as JigsawPrediction[],
      restored: answer['restored'] as number[][],
    };
  }
  async classify(model: Manifest, images: Image[]) {
    return (await this.#images(model, '/v1/classify', images))['predictions'] as ClassPrediction[];
  }
  async generate(model: Manifest, count: number, seed: number) {
    return (await this.#post<{ images: number[][] }>('/v1/generate', { model: model.name, count, seed }))
      .images;
  }
  async neighbors(model: Manifest, images: Image[], k: number) {
    const body = { model: model.name, images: images.map((i) => Array.from(i)), k };
    return (await this.#post<{ neighbors: NamedNeighbor[][] }>('/v1/neighbors', body)).neighbors;
  }
}

/** Fetches the manifests of the models the worker serves. */
export async function listModels(base = ''): Promise<Manifest[]> {
  const response = await fetch(`${base}/v1/models`);
  if (!response.ok) throw new DemoError(await describeFailure(response));
  return ((await response.json()) as { models: Manifest[] }).models;
}
