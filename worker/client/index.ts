// The typed client for apps: one function per endpoint over hono's RPC client (`hc<App>`), so request
// and answer types come from the same zod schemas that validate requests in the worker. Only `fetch`
// is used: it runs in Node ≥ 18, browsers and Workers. Every non-2xx answer throws one PretextApiError.
//
//   const pretext = createPretextClient({ baseUrl: 'http://127.0.0.1:8787' });
//   const { embeddings } = await pretext.embed([pixels]);
import type { ClientResponse } from 'hono/client';
import { hc } from 'hono/client';
import type { App } from '../app';
import type { Dtype } from '../contract/manifest';
import type { ErrorCode, Issue } from '../http/api-error';

/** 784 numbers in [0, 1] (28×28 row-major, 1 = ink), or a base64 PNG/JPEG (plain or a data: URL). */
export type Image = ArrayLike<number> | string;

export interface PretextClientOptions {
  /** Where the API runs, e.g. http://127.0.0.1:8787 (`npm start`) or your workers.dev address. */
  baseUrl: string;
  /** Sent with every request (e.g. an Authorization header in front of the worker). */
  headers?: Record<string, string>;
  /** Defaults to the global fetch; pass a service binding's fetch inside a Worker, or a test double. */
  fetch?: typeof fetch;
}

/** An error answer of the API: its status and the body's {error: {code, message, issues?}}. */
export class PretextApiError extends Error {
  readonly status: number;
  /** The API's error code, or `unexpected_response` for an answer that is not the API's error body. */
  readonly code: ErrorCode | 'unexpected_response';
  readonly issues: Issue[] | undefined;

  constructor(status: number, code: PretextApiError['code'], message: string, issues?: Issue[]) {
    super(message);
    this.name = 'PretextApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }

  static async from(response: Response): Promise<PretextApiError> {
    const text = await response.text();
    try {
      const { error } = JSON.parse(text) as {
        error?: { code?: unknown; message?: unknown; issues?: Issue[] };
      };
      if (typeof error?.code === 'string' && typeof error.message === 'string') {
        return new PretextApiError(response.status, error.code as ErrorCode, error.message, error.issues);
      }
    } catch {
      // not JSON: fall through (a proxy's HTML error page, say)
    }
    const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return new PretextApiError(
      response.status,
      'unexpected_response',
      `HTTP ${response.status} ${response.statusText}: ${excerpt}`,
    );
  }
}

/**
 * The JSON body of the 200 answer among a route's typed responses. Routes that can also answer raw
 * float32 (`Accept: application/octet-stream`) list a plain `Response`; this client never asks for it.
 */
type Ok<R> = Exclude<
  R extends ClientResponse<infer Body, infer Status, 'json'> ? (Status extends 200 ? Body : never) : never,
  Response
>;

async function ok<R extends ClientResponse<unknown, number, string>>(pending: Promise<R>): Promise<Ok<R>> {
  const response = await pending;
  if (!response.ok) throw await PretextApiError.from(response as unknown as Response);
  return (await response.json()) as Ok<R>;
}

/** Typed arrays become plain arrays (JSON.stringify would write a Float32Array as an object). */
function toJsonImages(images: readonly Image[]): (number[] | string)[] {
  return images.map((image) => (typeof image === 'string' ? image : Array.from(image)));
}

/**
 * Which model answers (omitted: the endpoint's default from models/index.json) and in which precision:
 * `dtype: 'q8'` runs its int8 variant (omitted: 'fp32'), as transformers.js's `dtype` option.
 */
export interface ModelChoice {
  model?: string;
  dtype?: Dtype;
}

/** The text endpoints name a model only: text models have no int8 variant. */
export type TextModelChoice = Omit<ModelChoice, 'dtype'>;

export function createPretextClient(options: PretextClientOptions) {
  const api = hc<App>(options.baseUrl, {
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  // The model goes in the JSON body; `?model=` is for application/octet-stream bodies.
  const body = (images: readonly Image[], { model, dtype }: ModelChoice = {}) => ({
    query: {},
    json: {
      images: toJsonImages(images),
      ...(model === undefined ? {} : { model }),
      ...(dtype === undefined ? {} : { dtype }),
    },
  });
  return {
    /** The raw hono RPC client, for what the functions below do not cover. */
    api,
    /** GET /healthz */
    health: () => ok(api.healthz.$get()),
    /** GET /v1/models: every servable model's manifest; with a name, that model's manifest. */
    models: async () => (await ok(api.v1.models.$get())).models,
    model: (name: string) => ok(api.v1.models[':name'].$get({ param: { name } })),
    /** The encoder's code h = f(x) of each image. */
    embed: (images: readonly Image[], choice?: ModelChoice) => ok(api.v1.embed.$post(body(images, choice))),
    /** Each image through the autoencoder, with its reconstruction MSE. */
    reconstruct: (images: readonly Image[], choice?: ModelChoice) =>
      ok(api.v1.reconstruct.$post(body(images, choice))),
    /** A denoising autoencoder's clean version of each image. */
    denoise: (images: readonly Image[], choice?: ModelChoice) =>
      ok(api.v1.denoise.$post(body(images, choice))),
    /** Each image's k-means cluster and its squared distances to every centroid. */
    cluster: (images: readonly Image[], choice?: ModelChoice) =>
      ok(api.v1.cluster.$post(body(images, choice))),
    /** RotNet: the angle each image was turned by, and the image turned back upright. */
    rotation: (images: readonly Image[], choice?: ModelChoice) =>
      ok(api.v1.rotation.$post(body(images, choice))),
    /** Jigsaw: the permutation of each image's 2×2 tiles, and the image restored. */
    jigsaw: (images: readonly Image[], choice?: ModelChoice) => ok(api.v1.jigsaw.$post(body(images, choice))),
    /** `count` images decoded from the VAE's prior; the same seed and model version give the same images. */
    generate: (count: number, options: ModelChoice & { seed?: number } = {}) =>
      ok(api.v1.generate.$post({ json: { count, ...options } })),
    /** A downstream probe's label and class probabilities for each image. */
    classify: (images: readonly Image[], choice?: ModelChoice) =>
      ok(api.v1.classify.$post(body(images, choice))),
    /** Masked-word prediction: the `top` likeliest words for each [MASK] in `text`. */
    fillMask: (text: string, options: TextModelChoice & { top?: number } = {}) =>
      ok(api.v1.text['fill-mask'].$post({ json: { text, ...options } })),
    /** Word-order recovery: the most likely order of the words of `text`. */
    unshuffle: (text: string, choice: TextModelChoice = {}) =>
      ok(api.v1.text.unshuffle.$post({ json: { text, ...choice } })),
    /** Sentence embeddings: the mean of the text encoder's states over each text's words. */
    textEmbed: (texts: readonly string[], choice: TextModelChoice = {}) =>
      ok(api.v1.text.embed.$post({ json: { texts: [...texts], ...choice } })),
    /** The k (default 10, at most 100) reference items nearest to each image: index, label, cosine score. */
    neighbors: (images: readonly Image[], { k, ...choice }: ModelChoice & { k?: number } = {}) =>
      ok(
        api.v1.neighbors.$post({
          query: {},
          json: { ...body(images, choice).json, ...(k === undefined ? {} : { k }) },
        }),
      ),
    /** One item of a model's reference set (an `index` of neighbors()): its label and 784 pixels. */
    referenceItem: (model: string, index: number) =>
      ok(
        api.v1.models[':name'].reference[':index'].$get(
          { param: { name: model, index: String(index) } },
          { headers: { accept: 'application/json' } },
        ),
      ),
  };
}

export type PretextClient = ReturnType<typeof createPretextClient>;
export type { Dtype, ErrorCode, Issue };
