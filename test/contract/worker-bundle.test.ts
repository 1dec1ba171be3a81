// What the worker's bundle is made of: worker/index.ts bundled with esbuild the way wrangler bundles it
// (workerd conditions, cloudflare:* external), reading only the metafile's inputs. tfjs, onnxruntime-node
// and anything under train/ or scripts/ must not be among them, however indirectly they are imported.
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

let inputs: string[];

/** The bundle's inputs that must not be there, each with why. */
function forbiddenInputs(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (/(^|\/)node_modules\/@tensorflow\//.test(path)) return [`${path} (tfjs)`];
    if (/(^|\/)node_modules\/onnxruntime-node\//.test(path)) return [`${path} (onnxruntime-node)`];
    if (/^(train|scripts|test)\//.test(path)) return [`${path} (not worker code)`];
    return [];
  });
}

beforeAll(async () => {
  const result = await build({
    entryPoints: ['worker/index.ts'],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    // wrangler's Data and CompiledWasm rules: the bytes do not matter here, only what is imported.
    loader: { '.onnx': 'empty', '.wasm': 'empty', '.bin': 'empty' },
    logLevel: 'silent',
  });
  inputs = Object.keys((result.metafile as Metafile).inputs);
}, 60_000);

describe('the worker bundle', () => {
  it('is really the worker: its inputs hold the routes, the contract and onnxruntime-web', () => {
    expect(inputs).toContain('worker/routes/rotation.ts');
    expect(inputs).toContain('worker/contract/manifest.ts');
    expect(inputs.some((path) => path.includes('node_modules/onnxruntime-web/'))).toBe(true);
  });

  it('holds no tfjs, no onnxruntime-node and nothing from train/, scripts/ or test/', () => {
    expect(forbiddenInputs(inputs)).toEqual([]);
  });

  it('would name a tfjs or train/ input if one got in', () => {
    expect(
      forbiddenInputs([
        'worker/app.ts',
        '../node_modules/@tensorflow/tfjs-core/dist/index.js',
        'node_modules/@tensorflow/tfjs/dist/index.js',
        'train/data/rng.ts',
      ]),
    ).toEqual([
      '../node_modules/@tensorflow/tfjs-core/dist/index.js (tfjs)',
      'node_modules/@tensorflow/tfjs/dist/index.js (tfjs)',
      'train/data/rng.ts (not worker code)',
    ]);
  });
});
