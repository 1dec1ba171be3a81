// One contract, imported one way: scripts → train → worker/contract ← worker. A new import in the wrong
// direction fails here, naming the file, the specifier and the rule.
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importGraph, wrongWayImports } from './import-graph';

const edges = importGraph('.', ['train', 'worker', 'scripts']);
const edge = (from: string, specifier: string, to?: string): ImportEdge => ({ from, specifier, to });

describe('the import graph', () => {
  it('is read from the real files: serving imports the contract, training imports it too', () => {
    expect(edges).toContainEqual(
      edge('worker/serving/answers.ts', '../contract/rotation', 'worker/contract/rotation'),
    );
    expect(edges.some((e) => e.from.startsWith('train/') && e.to?.startsWith('worker/contract/'))).toBe(true);
  });

  it('has no import in the wrong direction', () => {
    expect(wrongWayImports(edges)).toEqual([]);
  });
});

describe('wrongWayImports', () => {
  it('refuses worker/ importing train/, and worker/ importing tfjs', () => {
    expect(
      wrongWayImports([
        edge('worker/routes/generate.ts', '../../train/data/rng', 'train/data/rng'),
        edge('worker/runtime/ort.ts', '@tensorflow/tfjs'),
      ]),
    ).toEqual([
      'worker/routes/generate.ts imports "../../train/data/rng": worker/ never imports train/, scripts/ or test/',
      'worker/runtime/ort.ts imports "@tensorflow/tfjs": tfjs and onnxruntime-node must not reach the worker',
    ]);
  });

  it('refuses train/ importing worker/ outside the contract, and lets it import the contract', () => {
    expect(
      wrongWayImports([
        edge('train/text/report.ts', '../../worker/schemas/manifest', 'worker/schemas/manifest'),
        edge('train/text/report.ts', '../../worker/contract/manifest', 'worker/contract/manifest'),
      ]),
    ).toEqual([
      'train/text/report.ts imports "../../worker/schemas/manifest": train/ imports nothing from worker/ but worker/contract/',
    ]);
  });

  it('keeps the contract self-contained, so train/ cannot reach worker/ through it', () => {
    expect(
      wrongWayImports([
        edge('worker/contract/manifest.ts', '../http/api-error', 'worker/http/api-error'),
        edge('worker/contract/manifest.ts', '@hono/zod-openapi'),
        edge('worker/contract/manifest.ts', 'zod'),
        edge('worker/contract/manifest.ts', './image', 'worker/contract/image'),
      ]),
    ).toEqual([
      'worker/contract/manifest.ts imports "../http/api-error": worker/contract/ imports only itself (and zod, fast-png, jpeg-js)',
      'worker/contract/manifest.ts imports "@hono/zod-openapi": worker/contract/ may use only zod, fast-png, jpeg-js',
    ]);
  });
});
