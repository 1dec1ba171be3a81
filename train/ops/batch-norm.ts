// Batch normalisation in training mode as one op with one gradient (Ioffe & Szegedy 2015,
// Algorithm 1; the backward pass is the closed form of §3), optionally fused with the ReLU that
// follows it. tfjs's own layer builds it from moments, broadcasts and a batchNorm op whose gradient
// tiles full-size tensors: on the wasm backend that was over half of a SimCLR training step.
//
//   y = γ·(x − μ)/√(σ² + ε) + β  [then max(y, 0)],  μ, σ² over every axis but the last (biased σ²)
//   dβ = Σ dy',  dγ = Σ dy'·x̂,  dx = γ/√(σ² + ε)·(dy' − dβ/R − x̂·dγ/R),  dy' = dy·[y > 0] with ReLU
//
// Kernels: the shared-memory wasm backend's (multi-threaded, assembly/batchnorm.ts) and a plain
// JavaScript one for the cpu backend (registered here; it is also the tests' reference). Any other
// backend (tfjs-node) computes the same formulas from tfjs ops.
import * as tf from '@tensorflow/tfjs';

export const BATCH_NORM_TRAIN = 'PretextBatchNormTrain';
export const BATCH_NORM_GRAD = 'PretextBatchNormGrad';

export interface BatchNormAttrs {
  epsilon: number;
  relu: boolean;
}

export interface BatchNormOutput {
  y: tf.Tensor;
  /** Batch statistics (μ and the biased σ²), for the moving averages. Not differentiated. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

type Args = Parameters<tf.KernelFunc>[0];

function rowsAndChannels(shape: number[]): [number, number] {
  const channels = shape[shape.length - 1]!;
  return [tf.util.sizeFromShape(shape) / Math.max(1, channels), channels];
}

/** Reference forward pass in float64 sums, float32 results (cpu backend). */
export function batchNormTrainReference(
  x: Float32Array,
  shape: number[],
  gamma: Float32Array,
  beta: Float32Array,
  { epsilon, relu }: BatchNormAttrs,
): { y: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array } {
  const [rows, channels] = rowsAndChannels(shape);
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  const sum = new Float64Array(channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) sum[c]! += x[r * channels + c]!;
  for (let c = 0; c < channels; c++) mean[c] = sum[c]! / rows;
  sum.fill(0);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) sum[c]! += (x[r * channels + c]! - mean[c]!) ** 2;
  for (let c = 0; c < channels; c++) {
    variance[c] = sum[c]! / rows;
    invStd[c] = 1 / Math.sqrt(variance[c]! + epsilon);
  }
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) {
      const v = gamma[c]! * (x[r * channels + c]! - mean[c]!) * invStd[c]! + beta[c]!;
      y[r * channels + c] = relu ? Math.max(0, v) : v;
    }
  return { y, mean, variance, invStd };
}

/** Reference backward pass (cpu backend). */
export function batchNormGradReference(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  shape: number[],
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array,
  relu: boolean,
): { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array } {
  const [rows, channels] = rowsAndChannels(shape);
  const dBeta64 = new Float64Array(channels);
  const dGamma64 = new Float64Array(channels);
  const masked = (i: number) => (relu && y[i]! <= 0 ? 0 : dy[i]!);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) {
      const i = r * channels + c;
      const g = masked(i);
      dBeta64[c]! += g;
      dGamma64[c]! += g * (x[i]! - mean[c]!) * invStd[c]!;
    }
  const dx = new Float32Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) {
      const i = r * channels + c;
      const xhat = (x[i]! - mean[c]!) * invStd[c]!;
      dx[i] = gamma[c]! * invStd[c]! * (masked(i) - dBeta64[c]! / rows - (xhat * dGamma64[c]!) / rows);
    }
  return { dx, dGamma: Float32Array.from(dGamma64), dBeta: Float32Array.from(dBeta64) };
}

function cpuValues(backend: tf.KernelBackend, t: tf.TensorInfo): Float32Array {
  return backend.readSync(t.dataId) as Float32Array;
}

type CpuBackend = tf.KernelBackend & {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
};

const cpuTrain: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }: Args) => {
    const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
    const b = backend as CpuBackend;
    const r = batchNormTrainReference(
      cpuValues(b, x!),
      x!.shape,
      cpuValues(b, gamma!),
      cpuValues(b, beta!),
      attrs as unknown as BatchNormAttrs,
    );
    const c = [r.mean.length];
    return [
      b.makeTensorInfo(x!.shape, 'float32', r.y),
      b.makeTensorInfo(c, 'float32', r.mean),
      b.makeTensorInfo(c, 'float32', r.variance),
      b.makeTensorInfo(c, 'float32', r.invStd),
    ];
  },
};

const cpuGrad: tf.KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }: Args) => {
    const { dy, x, y, mean, invStd, gamma } = inputs as Record<string, tf.TensorInfo>;
    const b = backend as CpuBackend;
    const r = batchNormGradReference(
      cpuValues(b, dy!),
      cpuValues(b, x!),
      cpuValues(b, y!),
      x!.shape,
      cpuValues(b, mean!),
      cpuValues(b, invStd!),
      cpuValues(b, gamma!),
      (attrs as unknown as BatchNormAttrs).relu,
    );
    const c = [r.dGamma.length];
    return [
      b.makeTensorInfo(x!.shape, 'float32', r.dx),
      b.makeTensorInfo(c, 'float32', r.dGamma),
      b.makeTensorInfo(c, 'float32', r.dBeta),
    ];
  },
};

for (const config of [cpuTrain, cpuGrad])
  if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);

/** The same formulas from tfjs ops, for backends without the fused kernels (tfjs-node). */
function composedTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, a: BatchNormAttrs) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const normalised = tf.batchNorm(x, mean, variance, beta, gamma, a.epsilon);
  const y = a.relu ? tf.relu(normalised) : normalised;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * Training-mode batch norm over all axes but the last. The statistics are returned for the moving
 * averages; the caller disposes them.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  attrs: BatchNormAttrs,
): BatchNormOutput {
  if (!tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend())) {
    const r = composedTrain(x, gamma, beta, attrs);
    return { y: r.y, mean: tf.keep(r.mean), variance: tf.keep(r.variance) };
  }
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance, invStd] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAIN,
        { x: input, gamma: g, beta: b },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    stats = [tf.keep(mean as tf.Tensor1D), tf.keep(variance as tf.Tensor1D)];
    // γ is a variable (read again when the gradient runs, before any update): not saved.
    save([input, y!, mean!, invStd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy, smean, sinv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(
            BATCH_NORM_GRAD,
            { dy, x: sx, y: sy, mean: smean, invStd: sinv, gamma: g },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}
