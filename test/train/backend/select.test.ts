import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import {
  BackendError,
  type BackendLoaders,
  parseBackendName,
  selectBackend,
} from '../../../train/backend/select';

/** What Node throws for an optional dependency that npm dropped. */
function moduleNotFound(name: string): Error {
  return Object.assign(
    new Error(`Cannot find package '${name}' imported from /home/dev/pretext/train/backend/select.ts`),
    {
      code: 'ERR_MODULE_NOT_FOUND',
    },
  );
}

/** Loaders that record their calls: each fails with its error or succeeds with its reason. */
function simulated(outcomes: Partial<Record<keyof BackendLoaders, Error | string>>) {
  const calls: string[] = [];
  const loaders: Partial<Record<keyof BackendLoaders, BackendLoaders[keyof BackendLoaders]>> = {};
  for (const name of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const) {
    loaders[name] = async () => {
      calls.push(name);
      const outcome = outcomes[name] ?? new Error(`${name} not simulated`);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    };
  }
  return { loaders, calls };
}

describe('selectBackend', () => {
  it('should take tfjs-node-gpu first when it loads and sees a GPU', async () => {
    const { loaders, calls } = simulated({
      'tfjs-node-gpu': 'native TensorFlow with a GPU',
      'tfjs-node': 'cpu',
    });
    const log = vi.fn();
    const choice = await selectBackend({ loaders, log });
    expect(choice).toEqual({ name: 'tfjs-node-gpu', reason: 'native TensorFlow with a GPU', skipped: [] });
    expect(calls).toEqual(['tfjs-node-gpu']);
    expect(log.mock.calls).toEqual([['backend tfjs-node-gpu: native TensorFlow with a GPU']]);
  });

  it('should fall back to tfjs-node when tfjs-node-gpu is not installed', async () => {
    const { loaders, calls } = simulated({
      'tfjs-node-gpu': moduleNotFound('@tensorflow/tfjs-node-gpu'),
      'tfjs-node': 'native TensorFlow on the CPU',
    });
    const log = vi.fn();
    const choice = await selectBackend({ loaders, log });
    expect(choice.name).toBe('tfjs-node');
    expect(calls).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(log.mock.calls.map(([line]) => line)).toMatchInlineSnapshot(`
      [
        "backend tfjs-node-gpu skipped: ERR_MODULE_NOT_FOUND: Cannot find package '@tensorflow/tfjs-node-gpu' imported from /home/dev/pretext/train/backend/select.ts",
        "backend tfjs-node: native TensorFlow on the CPU",
      ]
    `);
  });

  it('should skip tfjs-node-gpu that loads without a GPU, and tfjs-node without its binding', async () => {
    const { loaders } = simulated({
      'tfjs-node-gpu': new Error('@tensorflow/tfjs-node-gpu loaded but sees no GPU'),
      'tfjs-node': new Error('The specified module could not be found.\n/…/tfjs_binding.node'),
      wasm: 'WebAssembly',
    });
    const choice = await selectBackend({ loaders, log: () => {} });
    expect(choice).toMatchInlineSnapshot(`
      {
        "name": "wasm",
        "reason": "WebAssembly",
        "skipped": [
          {
            "name": "tfjs-node-gpu",
            "why": "@tensorflow/tfjs-node-gpu loaded but sees no GPU",
          },
          {
            "name": "tfjs-node",
            "why": "The specified module could not be found.",
          },
        ],
      }
    `);
  });

  it('should end on cpu when nothing faster loads', async () => {
    const { loaders, calls } = simulated({ cpu: 'plain JavaScript (slowest)' });
    const choice = await selectBackend({ loaders, log: () => {} });
    expect(choice.name).toBe('cpu');
    expect(calls).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(choice.skipped.map((s) => s.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
  });

  it('should fail with every reason when no backend loads', async () => {
    const { loaders } = simulated({});
    await expect(selectBackend({ loaders, log: () => {} })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[BackendError: No tfjs backend could be loaded: tfjs-node-gpu (tfjs-node-gpu not simulated); tfjs-node (tfjs-node not simulated); wasm (wasm not simulated); cpu (cpu not simulated)]`,
    );
  });

  it('should load only the forced backend', async () => {
    const { loaders, calls } = simulated({ 'tfjs-node': 'native', wasm: 'WebAssembly' });
    const log = vi.fn();
    const choice = await selectBackend({ force: 'wasm', loaders, log });
    expect(choice).toEqual({ name: 'wasm', reason: 'WebAssembly', skipped: [] });
    expect(calls).toEqual(['wasm']);
    expect(log).toHaveBeenCalledWith('backend wasm: WebAssembly (forced by --backend)');
  });

  it('should fail loudly when the forced backend cannot load', async () => {
    const { loaders, calls } = simulated({
      'tfjs-node': moduleNotFound('@tensorflow/tfjs-node'),
      wasm: 'WebAssembly',
    });
    const error = await selectBackend({ force: 'tfjs-node', loaders, log: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Backend "tfjs-node" was forced with --backend but cannot be used: ERR_MODULE_NOT_FOUND: Cannot find package '@tensorflow/tfjs-node' imported from /home/dev/pretext/train/backend/select.ts"`,
    );
    expect(calls).toEqual(['tfjs-node']);
  });

  it('should reject an unknown backend name', async () => {
    expect(() => parseBackendName('webgpu')).toThrowErrorMatchingInlineSnapshot(
      `[BackendError: Unsupported backend "webgpu". Should be one of: tfjs-node-gpu, tfjs-node, wasm, cpu]`,
    );
    await expect(selectBackend({ force: 'tpu' as never, log: () => {} })).rejects.toThrow(BackendError);
  });

  it('should choose a real backend here and leak no tensors', async () => {
    const require = createRequire(import.meta.url);
    const installed = (name: string) => {
      try {
        require.resolve(name);
        return true;
      } catch {
        return false;
      }
    };
    const tensors = tf.memory().numTensors;
    const lines: string[] = [];
    const choice = await selectBackend({ log: (line) => lines.push(line) });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lines.at(-1)).toBe(`backend ${choice.name}: ${choice.reason}`);
    if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
      // This machine: the optional native packages were dropped by npm.
      expect(choice.name).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
      expect(choice.skipped.map((s) => s.name)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
      for (const skip of choice.skipped)
        expect(skip.why).toMatch(/^ERR_MODULE_NOT_FOUND: Cannot find (package|module)/);
    }
  });
});
