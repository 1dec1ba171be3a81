// The int8 quantizer (train/export/quantize/): batch norms folded without changing a single output,
// scales computed as the formulas say, and whole models (small ones built here, and committed ones) whose
// int8 variant onnxruntime turns into integer kernels and that answer like their float original when run
// as the worker runs them (onnxruntime-web's wasm).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema } from 'onnx-buf';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/bundle-models';
import { loadMnist } from '../../../train/data/mnist';
import { spreadSubset } from '../../../train/data/subset';
import { exportLayersModel } from '../../../train/export/layers-model';
import { OnnxGraph } from '../../../train/export/onnx-graph';
import { runOnnx } from '../../../train/export/parity';
import { EditableGraph } from '../../../train/export/quantize/editable-graph';
import { foldBatchNorms } from '../../../train/export/quantize/fold-batch-norm';
import { activationScale, DEFAULT_QUANTIZE_OPTIONS } from '../../../train/export/quantize/qdq';
import { quantizeModel } from '../../../train/export/quantize/quantize-model';
import { createWebSession, runWebInBatches } from '../../../train/export/web-runtime';

const opTypes = (bytes: Uint8Array) => fromBinary(ModelProtoSchema, bytes).graph!.node.map((n) => n.opType);

const mnist = loadMnist();
const calibration = spreadSubset(mnist.train, 256);
const test = spreadSubset(mnist.test, 256);

/** Outputs of `bytes` on the test digits, run as the worker runs graphs (onnxruntime-web, wasm). */
async function runAsServed(
  bytes: Uint8Array,
  outputs: readonly string[],
): Promise<Record<string, Float32Array>> {
  const session = await createWebSession(bytes);
  try {
    return await runWebInBatches(session, 'x', test.images, 784, outputs);
  } finally {
    await session.release();
  }
}

/** The kernels onnxruntime runs for `bytes` after its optimisations (written by onnxruntime-node). */
async function optimisedOpTypes(bytes: Uint8Array): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-quantize-'));
  try {
    const path = join(dir, 'optimised.onnx');
    const session = await ortNode.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: path,
      logSeverityLevel: 3,
      extra: { optimization: { disable_specified_optimizers: 'NchwcTransformer' } },
    });
    await session.release();
    return opTypes(new Uint8Array(readFileSync(path)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argmaxRows = (data: Float32Array, width: number) =>
  Array.from({ length: data.length / width }, (_, i) => {
    let best = 0;
    for (let j = 1; j < width; j++) if (data[i * width + j]! > data[i * width + best]!) best = j;
    return best;
  });

/**
 * A small model of the new encoder's shape: three 3×3 conv blocks with batch norm and ReLU (stride 1,
 * 2, 2: 28 → 14 → 7), the 7×7 map flattened into a dense representation, and a 4-way softmax head.
 */
function convClassifier(seed: number): tf.LayersModel {
  let s = seed;
  const init = () => tf.initializers.heNormal({ seed: s++ });
  const x = tf.input({ shape: [784], name: 'x' });
  let h = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  [8, 16, 16].forEach((filters, i) => {
    h = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: i === 0 ? 1 : 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
      })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({}).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const representation = tf.layers
    .dense({ units: 32, activation: 'relu', kernelInitializer: init(), name: 'representation' })
    .apply(h) as tf.SymbolicTensor;
  const probabilities = tf.layers
    .dense({ units: 4, activation: 'softmax', kernelInitializer: init() })
    .apply(representation) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: [representation, probabilities] });
  // Batch-norm statistics that are not the identity, so that folding them has something to get right.
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const n = layer.getWeights()[0]!.shape[0]!;
    const ramp = (a: number, b: number) => tf.tensor1d(Array.from({ length: n }, (_, c) => a + (b * c) / n));
    tf.tidy(() => layer.setWeights([ramp(0.5, 1), ramp(-0.2, 0.4), ramp(-0.1, 0.3), ramp(0.5, 2)]));
  }
  return model;
}

describe('activationScale (uint8 with a zero point)', () => {
  it('maps [0, 1] onto 0…255 and [-1, 1] with 0 exactly representable', () => {
    expect(activationScale({ min: 0, max: 1 })).toEqual({ scale: Math.fround(1 / 255), zeroPoint: 0 });
    // 1 / fround(2/255) = 127.4999…: the float32 scale decides the rounding.
    expect(activationScale({ min: -1, max: 1 })).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 127 });
  });

  it('widens a range that excludes 0, and survives a constant', () => {
    // [2, 3] becomes [0, 3]: padding and ReLU floors are exact zeros.
    expect(activationScale({ min: 2, max: 3 })).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 0 });
    expect(activationScale({ min: -4, max: -2 })).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 255 });
    expect(activationScale({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
  });
});

describe('foldBatchNorms', () => {
  it('folds Conv → BatchNormalization into one Conv that computes the same outputs', async () => {
    const g = new OnnxGraph('conv_bn');
    const x = g.input('x', ['N', 2, 5, 5]);
    const w = g.floats(
      'w',
      [3, 2, 3, 3],
      Array.from({ length: 54 }, (_, i) => ((i * 7) % 11) / 10 - 0.5),
    );
    const b = g.floats('b', [3], [0.1, -0.2, 0.3]);
    const conv = g.op('Conv', [x, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const bn = g.op('BatchNormalization', [
      conv,
      g.floats('gamma', [3], [1.5, 0.5, -2]),
      g.floats('beta', [3], [0.2, 0, -0.1]),
      g.floats('mean', [3], [0.3, -0.4, 0.05]),
      g.floats('var', [3], [0.8, 2, 0.01]),
    ]);
    g.output(bn, 'y', ['N', 3, 5, 5]);
    const original = g.toBytes();

    const editable = new EditableGraph(original);
    expect(foldBatchNorms(editable)).toBe(1);
    const folded = editable.toBytes();
    expect(opTypes(folded)).toEqual(['Conv', 'Identity']);
    const data = Float32Array.from({ length: 2 * 50 }, (_, i) => ((i * 13) % 17) / 17 - 0.3);
    const feeds = { x: { data, shape: [2, 2, 5, 5] } };
    const [before, after] = await Promise.all([runOnnx(original, feeds), runOnnx(folded, feeds)]);
    const worst = Math.max(...before.y!.map((v, i) => Math.abs(v - after.y![i]!)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('leaves a BatchNormalization whose input another node also reads', () => {
    const g = new OnnxGraph('shared');
    const x = g.input('x', ['N', 4]);
    const y = g.op('Gemm', [x, g.floats('w', [4, 4], new Float32Array(16).fill(0.5))]);
    const v = (name: string) => g.floats(name, [4], [1, 1, 1, 1]);
    g.output(g.op('BatchNormalization', [y, v('g'), v('b'), v('m'), v('v')]), 'normalised', ['N', 4]);
    g.output(y, 'raw', ['N', 4]);
    const editable = new EditableGraph(g.toBytes());
    expect(foldBatchNorms(editable)).toBe(0);
    expect(opTypes(editable.toBytes())).toContain('BatchNormalization');
  });
});

describe('quantizeModel', () => {
  it('makes the conv encoder an int8 graph: folded batch norms, int8 kernels, answers kept', async () => {
    const before = tf.memory().numTensors;
    const model = convClassifier(11);
    const fp32 = exportLayersModel(model, { inputNames: ['x'], outputNames: ['embedding', 'probabilities'] });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const q8 = await quantizeModel(fp32, { data: calibration.images, width: 784 });

    expect(q8.foldedBatchNorms).toBe(3);
    expect(q8.layers.map((l) => l.opType)).toEqual(['Conv', 'Conv', 'Gemm']);
    // The first conv sums 1×3×3 = 9 products per output; the head has 32×4 weights.
    expect(q8.keptFloat.map((l) => [l.opType, l.reason])).toEqual([
      ['Conv', `it sums 9 products per output (< ${DEFAULT_QUANTIZE_OPTIONS.minConvReduction})`],
      ['Gemm', `it has 128 weights (< ${DEFAULT_QUANTIZE_OPTIONS.minWeights})`],
    ]);
    const ops = opTypes(q8.bytes);
    expect(ops).not.toContain('BatchNormalization');
    expect(ops).toContain('QuantizeLinear');
    expect(ops).toContain('DequantizeLinear');
    // onnxruntime's optimiser fuses the QDQ pairs into integer kernels.
    const kernels = await optimisedOpTypes(q8.bytes);
    expect(kernels).toContain('QLinearConv');
    expect(
      kernels.filter((k) => k === 'QGemm' || k === 'QLinearMatMul' || k === 'MatMulIntegerToFloat'),
    ).not.toEqual([]);
    // int8 weights: the dense layer's 3136×32 floats shrink to a quarter.
    expect(q8.bytes.length).toBeLessThan(0.35 * fp32.length);

    const [a, b] = await Promise.all([
      runAsServed(fp32, ['embedding', 'probabilities']),
      runAsServed(q8.bytes, ['embedding', 'probabilities']),
    ]);
    const agree = argmaxRows(a.probabilities!, 4).filter((c, i) => c === argmaxRows(b.probabilities!, 4)[i]);
    expect(agree.length / test.count).toBeGreaterThanOrEqual(0.95);
    const worst = Math.max(...a.probabilities!.map((v, i) => Math.abs(v - b.probabilities![i]!)));
    expect(worst).toBeLessThan(0.1);
  });

  it('quantizes a committed MLP autoencoder within 5 % of its reconstruction error', async () => {
    const dir = join(REPO_ROOT, 'models/mnist-mlp-ae');
    const fp32 = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
    const q8 = await quantizeModel(fp32, { data: calibration.images, width: 784 });
    expect(q8.layers.every((l) => l.opType === 'Gemm')).toBe(true);
    expect(q8.bytes.length).toBeLessThan(0.3 * fp32.length);
    const mse = (r: Float32Array) => r.reduce((s, v, i) => s + (v - test.images[i]!) ** 2, 0) / r.length;
    const [a, b] = await Promise.all([
      runAsServed(fp32, ['reconstruction']),
      runAsServed(q8.bytes, ['reconstruction']),
    ]);
    expect(mse(b.reconstruction!) / mse(a.reconstruction!)).toBeLessThan(1.05);
  });

  it('refuses a graph with nothing to quantize, and calibration data of the wrong width', async () => {
    const g = new OnnxGraph('tiny');
    g.output(g.op('Relu', [g.input('x', ['N', 784])]), 'y', ['N', 784]);
    await expect(quantizeModel(g.toBytes(), { data: calibration.images, width: 784 })).rejects.toThrow(
      'quantize: tiny has no layer to quantize',
    );
    const fp32 = new Uint8Array(readFileSync(join(REPO_ROOT, 'models/mnist-mlp-ae/model.onnx')));
    await expect(quantizeModel(fp32, { data: new Float32Array(100), width: 784 })).rejects.toThrow(
      'quantize: the calibration set must hold whole rows of 784 values',
    );
  });
});
