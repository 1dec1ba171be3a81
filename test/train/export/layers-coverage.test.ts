// Every layer the exporter writes, checked against tfjs's own predict (onnxruntime-node, ≤ 1e-4):
// odd sizes so that a misplaced pad pixel shows, non-trivial BatchNorm statistics, non-zero biases.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema } from 'onnx-buf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPORTED_ACTIVATIONS } from '../../../train/export/layers/activations';
import { exportLayersModel } from '../../../train/export/layers-model';
import { layersModelParity, PARITY_TOLERANCE } from '../../../train/export/parity';
import { batchNorm } from '../../../train/models/batch-norm';
import { conv2d } from '../../../train/models/conv2d';
import { createRng } from '../../../worker/contract/rng';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

/**
 * Seeded weights for every layer: kernels ~ U(±√(3/fan-in)) (unit-variance outputs), biases and
 * BatchNorm β, μ in ±0.5, γ in [0.5, 1.5], σ² in [0.5, 2] — a trained-looking BatchNorm, not the
 * identity its initial statistics would be.
 */
function setSeededWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const uniform = (n: number, lo: number, hi: number) =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
  tf.tidy(() => {
    for (const layer of model.layers) {
      const isBatchNorm = ['BatchNormalization', 'PretextBatchNorm'].includes(layer.getClassName());
      const cfg = layer.getConfig() as { scale?: boolean; center?: boolean };
      const weights = layer.getWeights();
      if (weights.length === 0) continue;
      // BatchNorm weights in tfjs order: [γ if scale] [β if center] moving mean, moving variance.
      const roles = isBatchNorm
        ? [
            ...(cfg.scale === false ? [] : ['gamma']),
            ...(cfg.center === false ? [] : ['beta']),
            'mean',
            'var',
          ]
        : weights.map((w) => (w.rank === 1 ? 'bias' : 'kernel'));
      layer.setWeights(
        weights.map((w, i) => {
          const role = roles[i];
          if (role === 'kernel') {
            const a = Math.sqrt(3 / (w.size / w.shape[w.shape.length - 1]!));
            return tf.tensor(uniform(w.size, -a, a), w.shape);
          }
          if (role === 'gamma') return tf.tensor(uniform(w.size, 0.5, 1.5), w.shape);
          if (role === 'var') return tf.tensor(uniform(w.size, 0.5, 2), w.shape);
          return tf.tensor(uniform(w.size, -0.5, 0.5), w.shape);
        }),
      );
    }
  });
}

function inputFor(model: tf.LayersModel, n: number, seed: number, range: [number, number] = [0, 1]) {
  const shape = [n, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const size = shape.reduce((a, b) => a * b, 1);
  const rng = createRng(seed);
  const data = Float32Array.from({ length: size }, () => range[0] + (range[1] - range[0]) * rng.uniform());
  return { name: 'input', data, shape };
}

/** Exports `model` and returns the largest |tfjs − onnxruntime| over a batch of 3. */
async function exportError(model: tf.LayersModel, range?: [number, number], bytes?: Uint8Array) {
  const onnx = bytes ?? exportLayersModel(model, { inputNames: ['input'], outputNames: ['output'] });
  const parity = await layersModelParity(model, onnx, inputFor(model, 3, 11, range), ['output']);
  return parity.maxAbsError;
}

const sequential = (name: string, layers: tf.layers.Layer[]) => {
  const m = tf.sequential({ name, layers });
  setSeededWeights(m, 7);
  return m;
};

/** Odd, non-square input; kernels 3/4/5, strides 1/2/3, valid/same, dilation 2, k < s transposes. */
function paddingTorture(): tf.Sequential {
  return sequential('padding_torture', [
    tf.layers.conv2d({ inputShape: [15, 17, 3], filters: 4, kernelSize: 3, padding: 'same' }),
    tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' }),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
    tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' }),
    tf.layers.conv2dTranspose({ filters: 3, kernelSize: 1, strides: 2, padding: 'same' }),
    tf.layers.conv2dTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
    tf.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 3, padding: 'valid' }),
    tf.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }),
    tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    tf.layers.conv2d({ filters: 3, kernelSize: 5, strides: 3, padding: 'same', activation: 'sigmoid' }),
    tf.layers.conv2dTranspose({ filters: 2, kernelSize: 5, strides: 3, padding: 'same' }),
  ]);
}

/** The lecture's convolutional autoencoder (28×28×1 → 7×7 → 32 → 7×7 → 28×28×1). */
function lectureConvAutoencoder(): tf.Sequential {
  return sequential('conv_ae', [
    tf.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 16,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 32 }),
    tf.layers.dense({ units: 7 * 7 * 32, activation: 'relu' }),
    tf.layers.reshape({ targetShape: [7, 7, 32] }),
    tf.layers.conv2dTranspose({
      filters: 16,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }),
    tf.layers.conv2dTranspose({
      filters: 1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'sigmoid',
    }),
  ]);
}

describe('exportLayersModel coverage: parity with tfjs within 1e-4', () => {
  let before = 0;
  const models: tf.LayersModel[] = [];
  const track = <M extends tf.LayersModel>(m: M) => {
    models.push(m);
    return m;
  };
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    for (const m of models.splice(0)) m.dispose();
    expect(tf.memory().numTensors).toBe(before); // no tensor leaks from export or parity
  });

  it.each([
    ['same, stride 1, k 3', { kernelSize: 3, strides: 1, padding: 'same' }],
    ['same, stride 2, k 4 (extra pad at the end)', { kernelSize: 4, strides: 2, padding: 'same' }],
    ['same, stride 3, k 5', { kernelSize: 5, strides: 3, padding: 'same' }],
    ['valid, stride 2, k 3', { kernelSize: 3, strides: 2, padding: 'valid' }],
    ['same, dilation 2, k 3', { kernelSize: 3, dilationRate: 2, padding: 'same' }],
    ['valid, non-square kernel 2×3, no bias', { kernelSize: [2, 3], padding: 'valid', useBias: false }],
  ] as const)('Conv2D %s', async (_, layer) => {
    const m = track(
      sequential('conv', [
        tf.layers.conv2d({ inputShape: [11, 13, 2], filters: 3, activation: 'relu', ...layer } as ConvArgs),
      ]),
    );
    expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it.each([
    ['same, k 3, s 2 (asymmetric crop)', { kernelSize: 3, strides: 2, padding: 'same' }],
    ['same, k 4, s 2', { kernelSize: 4, strides: 2, padding: 'same' }],
    ['same, k 5, s 3', { kernelSize: 5, strides: 3, padding: 'same' }],
    ['same, k 1 < s 2 (output padding)', { kernelSize: 1, strides: 2, padding: 'same' }],
    ['valid, k 3, s 2', { kernelSize: 3, strides: 2, padding: 'valid' }],
    ['valid, k 2 < s 3', { kernelSize: 2, strides: 3, padding: 'valid' }],
  ] as const)('Conv2DTranspose %s', async (_, layer) => {
    const m = track(
      sequential('convT', [tf.layers.conv2dTranspose({ inputShape: [5, 7, 3], filters: 2, ...layer })]),
    );
    expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('Conv2DTranspose ignores dilationRate exactly as tfjs does', async () => {
    const m = track(
      sequential('convT_dil', [
        tf.layers.conv2dTranspose({
          inputShape: [5, 6, 2],
          filters: 2,
          kernelSize: 3,
          strides: 2,
          dilationRate: 2,
        }),
      ]),
    );
    expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it.each([
    ['after a conv (NCHW, rank 4)', [9, 7, 3], () => [tf.layers.conv2d({ filters: 4, kernelSize: 3 })]],
    ['on dense features (rank 2)', [6], () => [tf.layers.dense({ units: 5 })]],
    ['on a sequence (rank 3, folded into Mul/Add)', [4, 3], () => []],
  ] as const)('BatchNorm with moving statistics %s', async (_, inputShape, pre) => {
    for (const [scale, center] of [
      [true, true],
      [false, true],
      [true, false],
      [false, false],
    ] as const) {
      const m = track(
        sequential('bn', [
          tf.layers.inputLayer({ inputShape: [...inputShape] }),
          ...pre(),
          tf.layers.batchNormalization({ scale, center, epsilon: 0.01 }),
        ]),
      );
      expect(await exportError(m, [-2, 2])).toBeLessThanOrEqual(PARITY_TOLERANCE);
    }
  });

  it.each([
    ['MaxPooling2D same 3/2', tf.layers.maxPooling2d, { poolSize: 3, strides: 2, padding: 'same' }],
    ['MaxPooling2D valid 2/2', tf.layers.maxPooling2d, { poolSize: 2, padding: 'valid' }],
    [
      'AveragePooling2D same 2/2 (pad excluded from the mean)',
      tf.layers.averagePooling2d,
      { poolSize: 2, padding: 'same' },
    ],
    ['AveragePooling2D same 3/3', tf.layers.averagePooling2d, { poolSize: 3, strides: 3, padding: 'same' }],
    ['AveragePooling2D valid [2,3]/1', tf.layers.averagePooling2d, { poolSize: [2, 3], strides: 1 }],
  ] as const)('%s', async (_, pool, cfg) => {
    const m = track(
      sequential('pool', [
        tf.layers.inputLayer({ inputShape: [9, 11, 2] }),
        pool(cfg as Parameters<typeof tf.layers.maxPooling2d>[0]),
      ]),
    );
    expect(await exportError(m, [-1, 1])).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('GlobalAveragePooling2D and GlobalMaxPooling2D', async () => {
    for (const gp of [tf.layers.globalAveragePooling2d, tf.layers.globalMaxPooling2d]) {
      const m = track(
        sequential('gp', [
          tf.layers.conv2d({ inputShape: [7, 5, 2], filters: 3, kernelSize: 3, activation: 'tanh' }),
          gp({}),
          tf.layers.dense({ units: 2 }),
        ]),
      );
      expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
    }
  });

  it('Flatten and Reshape keep tfjs NHWC order (a channel-first flatten would scramble dense inputs)', async () => {
    const m = track(
      sequential('flat', [
        tf.layers.conv2d({ inputShape: [6, 5, 2], filters: 3, kernelSize: 3, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 12 }),
        tf.layers.reshape({ targetShape: [2, 3, 2] }),
        tf.layers.conv2d({ filters: 2, kernelSize: 2, padding: 'same' }),
        tf.layers.reshape({ targetShape: [12] }),
      ]),
    );
    expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('Dense on rank 2 (Gemm), rank 3 and rank 4 (MatMul + Add), with and without bias', async () => {
    for (const inputShape of [[10], [4, 6], [3, 4, 5]]) {
      for (const useBias of [true, false]) {
        const m = track(
          sequential('dense', [tf.layers.dense({ inputShape, units: 7, useBias, activation: 'tanh' })]),
        );
        expect(await exportError(m, [-1, 1])).toBeLessThanOrEqual(PARITY_TOLERANCE);
      }
    }
  });

  it.each(EXPORTED_ACTIVATIONS)(
    'activation %s on dense (rank 2) and conv (NCHW) values',
    async (activation) => {
      const a = activation as ConvArgs['activation'];
      const dense = track(
        sequential('act_dense', [tf.layers.dense({ inputShape: [5], units: 6, activation: a })]),
      );
      expect(await exportError(dense, [-3, 3])).toBeLessThanOrEqual(PARITY_TOLERANCE);
      const conv = track(
        sequential('act_conv', [
          tf.layers.conv2d({
            inputShape: [4, 5, 2],
            filters: 3,
            kernelSize: 3,
            padding: 'same',
            activation: a,
          }),
        ]),
      );
      expect(await exportError(conv, [-3, 3])).toBeLessThanOrEqual(PARITY_TOLERANCE);
    },
  );

  it('activation layers: ReLU (maxValue), ELU, LeakyReLU, Softmax, Activation, Dropout', async () => {
    const m = track(
      sequential('act_layers', [
        tf.layers.dense({ inputShape: [6], units: 8 }),
        tf.layers.reLU({ maxValue: 0.7 }),
        tf.layers.dense({ units: 8 }),
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.elu({}),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.activation({ activation: 'softplus' }),
        tf.layers.reLU({}),
        tf.layers.dense({ units: 4 }),
        tf.layers.softmax({}),
      ]),
    );
    expect(await exportError(m, [-3, 3])).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it.each([
    ['same, stride 1, k 3, with bias', { kernelSize: 3, strides: 1, padding: 'same', useBias: true }],
    ['same, stride 2, k 3, no bias', { kernelSize: 3, strides: 2, padding: 'same', useBias: false }],
    ['valid, stride 2, k 4', { kernelSize: 4, strides: 2, padding: 'valid', useBias: true }],
  ] as const)("the project's Conv2D %s, then its BatchNorm with the ReLU fused", async (_, layer) => {
    const x = tf.input({ shape: [11, 13, 2] });
    const h = conv2d({
      filters: 3,
      kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
      ...layer,
    }).apply(x);
    const y = batchNorm({ relu: true }).apply(h) as tf.SymbolicTensor;
    const m = track(tf.model({ inputs: x, outputs: y, name: 'pretext_layers' }));
    setSeededWeights(m, 4);
    expect(await exportError(m, [-1, 1])).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it("the lecture's conv autoencoder (28×28×1 → 7×7×32 → 32 → 28×28×1)", async () => {
    const m = track(lectureConvAutoencoder());
    expect(m.outputs[0]!.shape).toEqual([null, 28, 28, 1]);
    expect(await exportError(m)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('the padding torture model (15×17×3, k 1–5, s 1–3, valid/same, dilation 2)', async () => {
    const m = track(paddingTorture());
    expect(await exportError(m, [-1, 1])).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('parity catches a pad mistake: the torture graph with begin/end pads swapped is off by > 1e-3', async () => {
    const m = track(paddingTorture());
    const proto = fromBinary(
      ModelProtoSchema,
      exportLayersModel(m, { inputNames: ['input'], outputNames: ['output'] }),
    );
    let swapped = 0;
    for (const node of proto.graph!.node) {
      const pads = node.attribute.find((a) => a.name === 'pads');
      if (!pads) continue;
      const [t, l, b, r] = pads.ints;
      if (t !== b || l !== r) swapped++;
      pads.ints = [b!, r!, t!, l!];
    }
    expect(swapped).toBeGreaterThan(0);
    const wrong = toBinary(ModelProtoSchema, proto);
    expect(await exportError(m, [-1, 1], wrong)).toBeGreaterThan(1e-3);
  });

  it('exporting creates no tensors, even for BatchNorm without γ and β', () => {
    const m = track(
      sequential('bn_plain', [
        tf.layers.batchNormalization({ inputShape: [3, 3, 2], scale: false, center: false }),
      ]),
    );
    const tensors = tf.memory().numTensors;
    exportLayersModel(m);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('names what it cannot export', () => {
    const bn = track(
      sequential('bn_axis', [tf.layers.batchNormalization({ inputShape: [3, 4, 2], axis: 1 })]),
    );
    expect(() => exportLayersModel(bn)).toThrow(/normalises axis 1; only the last axis is supported/);
    const first = track(
      sequential('cf', [
        tf.layers.conv2d({ inputShape: [2, 4, 4], filters: 1, kernelSize: 1, dataFormat: 'channelsFirst' }),
      ]),
    );
    expect(() => exportLayersModel(first)).toThrow(/channelsFirst; only channelsLast is supported/);
  });
});
