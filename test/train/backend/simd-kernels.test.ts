// The project's multi-threaded SIMD kernels on the shared-memory wasm backend must compute what the
// cpu backend computes (relative error ≤ 1e-5 of the reference's scale) over random shapes, strides,
// paddings and batch sizes; their gradients must also pass a finite-difference check; and none may
// leak a tensor.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, setWasmThreads } from '../../../train/backend/select';
import { SIMD_KERNELS } from '../../../train/backend/simd/register';
import { Adam } from '../../../train/loop/adam';
import { batchNormTraining } from '../../../train/ops/batch-norm';
import { createRng } from '../../../worker/contract/rng';

const values = (n: number, seed: number): Float32Array => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
};

/** ‖a − b‖∞ / ‖b‖∞ over several outputs. */
function relativeError(actual: Float32Array[], expected: Float32Array[]): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  actual.forEach((a, j) => {
    const e = expected[j]!;
    expect(a.length).toBe(e.length);
    for (let i = 0; i < e.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
      scale = Math.max(scale, Math.abs(e[i]!));
    }
  });
  return diff / Math.max(scale, 1e-30);
}

/** Runs `compute` on a backend; checks that neither tensors nor backend data outlive it. */
function on(backend: string, compute: () => tf.Tensor[]): Float32Array[] {
  tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const out = tf.tidy(() => compute().map((t) => t.dataSync() as Float32Array));
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.backend().numDataIds()).toBe(dataIds);
  return out;
}

function agree(compute: () => tf.Tensor[], tolerance = 1e-5): void {
  const expected = on('cpu', compute);
  const actual = on('wasm', compute);
  expect(relativeError(actual, expected)).toBeLessThan(tolerance);
}

beforeAll(async () => {
  setWasmThreads(2);
  await selectBackend({ force: 'wasm', log: () => {} });
});

const convCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 3, max: 12 }),
    width: fc.integer({ min: 3, max: 12 }),
    inChannels: fc.integer({ min: 1, max: 9 }),
    outChannels: fc.integer({ min: 1, max: 17 }),
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    pad: fc.constantFrom<'same' | 'valid' | 'explicit'>('same', 'valid', 'explicit'),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .filter((c) => c.pad !== 'valid' || (c.kernel <= c.height && c.kernel <= c.width));

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function padOf(c: ConvCase): 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] {
  return c.pad === 'explicit'
    ? [
        [0, 0],
        [1, 0],
        [0, 2],
        [0, 0],
      ]
    : c.pad;
}

describe('the wasm backend with the project kernels', () => {
  it('registers its kernels and reports the threads it runs', async () => {
    const lines: string[] = [];
    const choice = await selectBackend({ force: 'wasm', log: (l) => lines.push(l) });
    expect(choice.reason).toMatch(/training kernels \(2 threads/);
    for (const name of SIMD_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined(); // wasm 4.22 has none of its own
  });

  it('convolution, fused convolution and both gradients match the cpu backend', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const xs = [c.batch, c.height, c.width, c.inChannels] as [number, number, number, number];
        const ws = [c.kernel, c.kernel, c.inChannels, c.outChannels] as [number, number, number, number];
        const x = values(tf.util.sizeFromShape(xs), c.seed);
        const w = values(tf.util.sizeFromShape(ws), c.seed + 1);
        const bias = values(c.outChannels, c.seed + 2);
        const pad = padOf(c);
        agree(() => {
          const xt = tf.tensor4d(x, xs);
          const wt = tf.tensor4d(w, ws);
          const y = tf.conv2d(xt, wt, c.stride, pad);
          const r = tf.tensor(values(y.size, c.seed + 3), y.shape);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad), r)),
          )([xt, wt]);
          const fused = tf.fused.conv2d({
            x: xt,
            filter: wt,
            strides: c.stride,
            pad,
            bias: tf.tensor1d(bias),
            activation: 'relu',
          });
          return [y, dx!, dw!, fused];
        });
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  it('convolution gradients pass a finite-difference check', () => {
    tf.setBackend('wasm');
    const xs: [number, number, number, number] = [2, 7, 6, 3];
    const ws: [number, number, number, number] = [3, 3, 3, 5];
    const x = values(tf.util.sizeFromShape(xs), 5);
    const w = values(tf.util.sizeFromShape(ws), 6);
    const loss = (xv: Float32Array, wv: Float32Array) =>
      tf.tidy(
        () =>
          tf.sum(tf.square(tf.conv2d(tf.tensor4d(xv, xs), tf.tensor4d(wv, ws), 2, 'same'))).dataSync()[0]!,
      );
    const [dx, dw] = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
        )([tf.tensor4d(x, xs), tf.tensor4d(w, ws)])
        .map((t) => t.dataSync() as Float32Array),
    ) as [Float32Array, Float32Array];
    const h = 1e-2;
    for (const [name, v, analytic, indices] of [
      ['x', x, dx, [0, 17, 100, 251]],
      ['w', w, dw, [0, 44, 89, 134]],
    ] as const) {
      for (const i of indices) {
        const plus = Float32Array.from(v);
        const minus = Float32Array.from(v);
        plus[i]! += h;
        minus[i]! -= h;
        const numeric =
          (name === 'x' ? loss(plus, w) - loss(minus, w) : loss(x, plus) - loss(x, minus)) / (2 * h);
        expect(Math.abs(numeric - analytic[i]!)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it('matrix products (transposed, batched, fused bias and ReLU) match the cpu backend', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 70 }),
          k: fc.integer({ min: 1, max: 1200 }), // more than one K slice of 512
          n: fc.integer({ min: 1, max: 40 }),
          ta: fc.boolean(),
          tb: fc.boolean(),
          batch: fc.constantFrom<[number, number]>([1, 1], [3, 3], [1, 2], [2, 1]),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        ({ m, k, n, ta, tb, batch: [ba, bb], seed }) => {
          const as = ta ? [ba, k, m] : [ba, m, k];
          const bs = tb ? [bb, n, k] : [bb, k, n];
          const a = values(ba * m * k, seed);
          const b = values(bb * k * n, seed + 1);
          const bias = values(n, seed + 2);
          agree(() => {
            const at = tf.tensor3d(a, as as [number, number, number]);
            const bt = tf.tensor3d(b, bs as [number, number, number]);
            return [
              tf.matMul(at, bt, ta, tb),
              tf.fused.matMul({
                a: at,
                b: bt,
                transposeA: ta,
                transposeB: tb,
                bias: tf.tensor1d(bias),
                activation: 'relu',
              }),
            ];
          });
        },
      ),
      { numRuns: 40, seed: 14 },
    );
  });

  it('sums over the leading axes (bias gradients) match the cpu backend', () => {
    for (const shape of [
      [5, 7, 9, 12],
      [1500, 3],
      [2, 1, 1, 1],
      [700, 33],
    ]) {
      agree(() => {
        const x = tf.tensor(values(tf.util.sizeFromShape(shape), shape.length), shape);
        return [
          tf.sum(
            x,
            shape.slice(0, -1).map((_, i) => i),
          ),
          tf.sum(x, 0),
        ];
      });
    }
  });

  it('identity shares the data of its input instead of copying it', () => {
    tf.setBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    const backend = tf.backend() as tf.KernelBackend & { getMemoryOffset(id: object): number };
    expect(backend.getMemoryOffset(y.dataId)).toBe(backend.getMemoryOffset(x.dataId));
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]); // still alive: the data is reference-counted
    y.dispose();
  });
});

describe('batch norm with an optional fused ReLU', () => {
  for (const [shape, relu] of [
    [[6, 5, 4, 8], true],
    [[6, 5, 4, 8], false],
    [[1100, 12], true],
    [[9, 3, 3, 7], true], // channels not a multiple of 4: the scalar path
    [[3, 20, 20, 32], true], // 1,200 rows (three chunks of 512), two 16-channel blocks
    [[2, 17, 19, 20], false], // one 16-channel block and four channels on the scalar path
  ] as const) {
    it(`matches the composed tfjs formula, values and gradients (${shape}, relu ${relu})`, () => {
      const n = tf.util.sizeFromShape([...shape]);
      const channels = shape[shape.length - 1]!;
      const x = values(n, 11).map((v, i) => 3 * v + (i % channels)); // a mean far from 0
      const gamma = values(channels, 12).map((v) => 1 + v / 2);
      const beta = values(channels, 13);
      const r = values(n, 14);
      const run = (fused: boolean) => () => {
        const xt = tf.tensor(x, [...shape]);
        const g = tf.tensor1d(gamma);
        const b = tf.tensor1d(beta);
        const rt = tf.tensor(r, [...shape]);
        const forward = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          if (fused) {
            const out = batchNormTraining(a, gg as tf.Tensor1D, bb as tf.Tensor1D, { epsilon: 1e-3, relu });
            tf.dispose([out.mean, out.variance]);
            return out.y;
          }
          const { mean, variance } = tf.moments(
            a,
            shape.slice(0, -1).map((_, i) => i),
          );
          const y = tf.batchNorm(a, mean, variance, bb as tf.Tensor1D, gg as tf.Tensor1D, 1e-3);
          return relu ? tf.relu(y) : y;
        };
        const y = forward(xt, g, b);
        const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(forward(a, gg, bb), rt)),
        )([xt, g, b]);
        return [y, ...grads];
      };
      const reference = on('cpu', run(false)); // tfjs's own ops: independent of the kernels under test
      expect(relativeError(on('cpu', run(true)), reference)).toBeLessThan(1e-4);
      expect(relativeError(on('wasm', run(true)), reference)).toBeLessThan(1e-4);
    });
  }

  it('returns the batch statistics for the moving averages', () => {
    tf.setBackend('wasm');
    const x = tf.tensor2d([1, 10, 3, 20, 5, 60], [3, 2]);
    const out = batchNormTraining(x, tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, {
      epsilon: 1e-3,
      relu: false,
    });
    expect(Array.from(out.mean.dataSync())).toEqual([3, 30]);
    const v = out.variance.dataSync();
    expect(v[0]).toBeCloseTo(8 / 3, 5);
    expect(v[1]).toBeCloseTo(1400 / 3, 3);
    tf.dispose([x, out.y, out.mean, out.variance]);
  });
});

describe('Adam', () => {
  it('takes the steps of Kingma & Ba with the fused wasm kernel and with tfjs ops on cpu', () => {
    const n = 1003;
    const start = values(n, 21);
    const target = values(n, 22);
    const run = (backend: string) => {
      tf.setBackend(backend);
      const w = tf.variable(tf.tensor1d(start), true, `w_${backend}`);
      const t = tf.tensor1d(target);
      const adam = new Adam([w], { learningRate: 0.01 });
      for (let i = 0; i < 5; i++)
        tf.dispose(adam.minimize(() => tf.mean(tf.square(tf.sub(w, t))) as tf.Scalar));
      const out = Float32Array.from(w.dataSync());
      tf.dispose([w, t]);
      adam.dispose();
      return out;
    };
    // The reference: Algorithm 1 of the paper in float64, ε added outside the square root as tfjs does.
    const expected = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let w = start[i]!;
      let m = 0;
      let v = 0;
      for (let step = 1; step <= 5; step++) {
        const g = (2 * (w - target[i]!)) / n;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        w -= (0.01 * (m / (1 - 0.9 ** step))) / (Math.sqrt(v / (1 - 0.999 ** step)) + 1e-7);
      }
      expected[i] = w;
    }
    expect(relativeError([run('cpu')], [expected])).toBeLessThan(1e-5);
    expect(relativeError([run('wasm')], [expected])).toBeLessThan(1e-5);
    expect(relativeError([expected], [start])).toBeGreaterThan(0.02); // the steps moved the weights
  });
});
