// The composed wasm training kernels must give the cpu backend's gradients (relative error
// ≤ 1e-5) over strides, paddings, odd/even sizes and channel counts, without leaking tensors.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../train/backend/wasm-kernels';
import { createRng } from '../../../worker/contract/rng';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  kernel: [number, number];
  outChannels: number;
  strides: [number, number];
  pad: Pad;
}

const rng = createRng(2024);
const randomValues = (n: number): Float32Array =>
  Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** ‖a − b‖∞ / ‖b‖∞: the error relative to the reference's scale. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Runs `compute` on a backend; checks that neither tensors nor backend data outlive it. */
async function onBackend(name: string, compute: () => Float32Array[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const out = tf.tidy(compute);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.backend().numDataIds()).toBe(dataIds);
  return out;
}

/** Both gradients of L = Σ conv2d(x, w) ⊙ dy, and the conv2dTranspose forward pass. */
function convResults(
  c: ConvCase,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  outShape: [number, number, number, number],
) {
  return (): Float32Array[] => {
    const xT = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
    const wT = tf.tensor4d(w, [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels]);
    const dyT = tf.tensor4d(dy, outShape);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dyT));
    const [dx, dw] = tf.grads(loss)([xT, wT]) as [tf.Tensor, tf.Tensor];
    const transposed = tf.conv2dTranspose(
      dyT,
      wT,
      [c.batch, c.height, c.width, c.inChannels],
      c.strides,
      c.pad,
    );
    return [
      dx.dataSync() as Float32Array,
      dw.dataSync() as Float32Array,
      transposed.dataSync() as Float32Array,
    ];
  };
}

const convCases: ConvCase[] = [
  {
    batch: 2,
    height: 7,
    width: 7,
    inChannels: 1,
    kernel: [3, 3],
    outChannels: 2,
    strides: [1, 1],
    pad: 'same',
  },
  {
    batch: 1,
    height: 8,
    width: 6,
    inChannels: 3,
    kernel: [3, 3],
    outChannels: 4,
    strides: [2, 2],
    pad: 'same',
  },
  {
    batch: 3,
    height: 9,
    width: 9,
    inChannels: 2,
    kernel: [2, 2],
    outChannels: 3,
    strides: [2, 2],
    pad: 'valid',
  },
  {
    batch: 2,
    height: 10,
    width: 11,
    inChannels: 1,
    kernel: [4, 4],
    outChannels: 5,
    strides: [3, 3],
    pad: 'same',
  },
  {
    batch: 2,
    height: 11,
    width: 8,
    inChannels: 4,
    kernel: [5, 5],
    outChannels: 2,
    strides: [3, 3],
    pad: 'valid',
  },
  {
    batch: 1,
    height: 12,
    width: 12,
    inChannels: 2,
    kernel: [3, 2],
    outChannels: 3,
    strides: [2, 1],
    pad: 'same',
  },
  {
    batch: 2,
    height: 6,
    width: 7,
    inChannels: 2,
    kernel: [3, 2],
    outChannels: 3,
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    // Paddings wider than the kernel: the input gradient crops instead of padding.
    batch: 1,
    height: 8,
    width: 8,
    inChannels: 1,
    kernel: [3, 3],
    outChannels: 2,
    strides: [2, 2],
    pad: [
      [0, 0],
      [3, 4],
      [2, 0],
      [0, 0],
    ],
  },
  // The conv autoencoder's first layer.
  {
    batch: 4,
    height: 28,
    width: 28,
    inChannels: 1,
    kernel: [3, 3],
    outChannels: 8,
    strides: [2, 2],
    pad: 'same',
  },
];

const label = (c: ConvCase) =>
  `x ${c.batch}×${c.height}×${c.width}×${c.inChannels}, kernel ${c.kernel.join('×')}→${c.outChannels}, ` +
  `stride ${c.strides.join('×')}, pad ${typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad.slice(1, 3))}`;

describe('wasm training kernels', () => {
  let registered: string[] = [];
  let filterGradBefore = true;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    filterGradBefore = tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
    registered = registerWasmTrainingKernels('wasm');
  });

  it('should register the three kernels once (wasm 4.22 lacks Conv2DBackpropFilter)', () => {
    expect(filterGradBefore).toBe(false);
    expect(registered).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul']);
    expect(registerWasmTrainingKernels('wasm')).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(convCases.map((c) => [label(c), c] as const))(
    'should match cpu conv gradients: %s',
    async (_, c) => {
      const outShape = tf.tidy(
        () =>
          tf.conv2d(
            tf.zeros([c.batch, c.height, c.width, c.inChannels]) as tf.Tensor4D,
            tf.zeros([...c.kernel, c.inChannels, c.outChannels]) as tf.Tensor4D,
            c.strides,
            c.pad,
          ).shape,
      ) as [number, number, number, number];
      const x = randomValues(c.batch * c.height * c.width * c.inChannels);
      const w = randomValues(c.kernel[0] * c.kernel[1] * c.inChannels * c.outChannels);
      const dy = randomValues(outShape.reduce((a, b) => a * b, 1));
      const expected = await onBackend('cpu', convResults(c, x, w, dy, outShape));
      const actual = await onBackend('wasm', convResults(c, x, w, dy, outShape));
      const [dx, dw, transposed] = actual.map((a, i) => relativeError(a, expected[i]!));
      expect({ dx, dw, transposed }).toEqual({
        dx: expect.closeTo(0, 5),
        dw: expect.closeTo(0, 5),
        transposed: expect.closeTo(0, 5),
      });
      for (const error of [dx, dw, transposed]) expect(error).toBeLessThanOrEqual(1e-5);
    },
  );

  const matmulCases = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;

  it.each(matmulCases)('should match cpu batched matmul, transposeA %s transposeB %s', async (ta, tb) => {
    const [batch, m, k, n] = [3, 5, 7, 4];
    const aShape = ta ? [batch, k, m] : [batch, m, k];
    const bShape = tb ? [batch, n, k] : [batch, k, n];
    const a = randomValues(batch * m * k);
    const b = randomValues(batch * k * n);
    const dy = randomValues(batch * m * n);
    const compute = (): Float32Array[] => {
      const aT = tf.tensor3d(a, aShape as [number, number, number]);
      const bT = tf.tensor3d(b, bShape as [number, number, number]);
      const product = tf.matMul(aT, bT, ta, tb);
      // The gradients run the other transpose combinations (dA = dy·Bᵀ, dB = Aᵀ·dy).
      const loss = (p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D, ta, tb), tf.tensor3d(dy, [batch, m, n])));
      const [da, db] = tf.grads(loss)([aT, bT]) as [tf.Tensor, tf.Tensor];
      return [product.dataSync(), da.dataSync(), db.dataSync()] as Float32Array[];
    };
    const expected = await onBackend('cpu', compute);
    const actual = await onBackend('wasm', compute);
    for (const [i, values] of actual.entries())
      expect(relativeError(values, expected[i]!)).toBeLessThanOrEqual(1e-5);
  });

  it('should train a conv layer on wasm without growing tf.memory().numTensors', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 4,
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
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanSquaredError' });
    const x = tf.tensor4d(
      Float32Array.from(randomValues(8 * 784), (v) => Math.abs(v)),
      [8, 28, 28, 1],
    );
    await model.trainOnBatch(x, x); // the optimizer creates its slots on the first step
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    const first = (await model.trainOnBatch(x, x)) as number;
    let last = first;
    for (let step = 0; step < 5; step++) last = (await model.trainOnBatch(x, x)) as number;
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    expect(last).toBeLessThan(first);
    x.dispose();
    model.dispose();
  });
});
