// The runtime pieces inside workerd, without the HTTP layer: the execution-provider table, ModelSession's
// input checks, the session cache, the run queue, base64 and the probability helpers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../worker/app';
import { executionProvidersFor, hasWebGpu } from '../../worker/runtime/execution-providers';
import { wasmRuntime } from '../../worker/runtime/ort';
import { RunQueue } from '../../worker/runtime/run-queue';
import { SessionCache } from '../../worker/runtime/session-cache';
import { decodeBase64 } from '../../worker/schemas/base64';
import { argmax, softmax } from '../../worker/serving/probabilities';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { bundledFiles, bundledGraph, flatImage } from './support';

const runtime = wasmRuntime();
const intactOnnx = await bundledGraph('mnist-mlp-ae');
const bundled = () => new BundledStore(bundledModels, bundledFiles);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('execution providers', () => {
  it('uses wasm in workerd, which has no navigator.gpu, and says so in /healthz', async () => {
    expect(hasWebGpu()).toBe(false);
    expect(executionProvidersFor('wasm')).toEqual(['wasm']);
    const app = createApp({ runtime, store: bundled() });
    const health = await (await app.request('/healthz')).json<{ backend: string }>();
    expect(health.backend).toBe('wasm');
  });

  it('never lists a fallback provider, so a session runs on the device it names or fails', () => {
    expect(executionProvidersFor('webgpu')).toEqual(['webgpu']);
  });

  it('rejects an unknown device, listing the known ones', () => {
    expect(() => executionProvidersFor('cuda')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Unsupported device "cuda". Should be one of: wasm, webgpu.]`,
    );
  });

  it('is a frozen table', () => {
    expect(Object.isFrozen(executionProvidersFor('webgpu'))).toBe(true);
  });
});

describe('ModelSession', () => {
  it('names a missing input and an unknown one', async () => {
    const session = await wasmRuntime().createSession(intactOnnx);
    await expect(session.run({})).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: Missing input(s) "x"; the model expects: x]`,
    );
    const x = { data: new Float32Array(784), dims: [1, 784] };
    await expect(session.run({ x, y: x })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: Unknown input(s) "y"; the model expects: x]`,
    );
    const outputs = await session.run({ x: { data: Float32Array.from(flatImage(0)), dims: [1, 784] } });
    expect(outputs['reconstruction']!.dims).toEqual([1, 784]);
  });
});

describe('ModelSession maxRows', () => {
  it('runs a batch a few rows at a time and stitches the outputs into the answer of one run', async () => {
    const session = await wasmRuntime().createSession(intactOnnx);
    const data = Float32Array.from({ length: 10 * 784 }, (_, i) => ((i * 31) % 97) / 97);
    const whole = await session.run({ x: { data, dims: [10, 784] } });
    const chunked = await session.run({ x: { data, dims: [10, 784] } }, { maxRows: 3 });
    for (const name of Object.keys(whole)) {
      expect(chunked[name]!.dims).toEqual(whole[name]!.dims);
      expect(Array.from(chunked[name]!.data)).toEqual(Array.from(whole[name]!.data));
    }
  });
});

describe('SessionCache', () => {
  it('creates once for concurrent callers', async () => {
    const cache = new SessionCache<number>();
    const create = vi.fn(async () => 42);
    const [a, b] = await Promise.all([cache.get('m@1', create), cache.get('m@1', create)]);
    expect([a, b, create.mock.calls.length]).toEqual([42, 42, 1]);
  });

  it('drops a promise that rejects, so the next caller tries again', async () => {
    const cache = new SessionCache<number>();
    await expect(cache.get('m@1', () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
    expect(cache.size).toBe(0);
    expect(await cache.get('m@1', async () => 7)).toBe(7);
  });
});

describe('RunQueue', () => {
  it('runs one task at a time, in order, and a failure does not block the next', async () => {
    const queue = new RunQueue();
    const events: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      queue.enqueue(task('a')),
      queue.enqueue(task('b', true)),
      queue.enqueue(task('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});

describe('decodeBase64', () => {
  it('reads plain base64, a data: URL and MIME line breaks alike', () => {
    const bytes = [137, 80, 78, 71];
    expect(Array.from(decodeBase64('iVBORw=='))).toEqual(bytes);
    expect(Array.from(decodeBase64('iVBORw'))).toEqual(bytes);
    expect(Array.from(decodeBase64('data:image/png;base64,iVBO\r\nRw=='))).toEqual(bytes);
  });

  it('rejects what is not base64', () => {
    expect(() => decodeBase64('iVBORw=a')).toThrow('valid base64');
    expect(() => decodeBase64('a')).toThrow('valid base64');
    expect(() => decodeBase64('data:text/plain,hi')).toThrow('without ";base64"');
  });
});

describe('probabilities', () => {
  it('softmax does not overflow on large logits, and argmax takes the first of ties', () => {
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
  });
});
