// The training loop every gradient-trained method uses: seeded shuffling, mini-batches,
// one optimizer step per batch, per-epoch validation loss, and a loss curve to keep.
import * as tf from '@tensorflow/tfjs';

export interface FitOptions {
  /** Training images, N×D row-major. */
  images: Float32Array;
  dim: number;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: tf.Optimizer;
  /** The loss of one batch; runs inside the optimizer's tape. */
  loss: (batch: tf.Tensor2D) => tf.Scalar;
  /** Validation images (optional); their loss is reported once per epoch. */
  validation?: Float32Array;
  log?: (line: string) => void;
}

export interface FitResult {
  steps: number;
  epochs: number;
  /** Mean training loss of each epoch. */
  trainLoss: number[];
  validationLoss: number[];
  finalLoss: number;
  seconds: number;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; good enough to shuffle reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledIndices(n: number, random: () => number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/** Mean loss over `images` in batches, without gradients. */
export function evaluateLoss(
  images: Float32Array,
  dim: number,
  batchSize: number,
  loss: (batch: tf.Tensor2D) => tf.Scalar,
): number {
  const n = images.length / dim;
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const value = tf.tidy(() =>
      loss(tf.tensor2d(images.subarray(start * dim, end * dim), [end - start, dim])),
    );
    total += value.dataSync()[0]! * (end - start);
    value.dispose();
  }
  return total / n;
}

export function fit(o: FitOptions): FitResult {
  const n = o.images.length / o.dim;
  if (!Number.isInteger(n) || n === 0) throw new Error(`fit: ${o.images.length} values are not N×${o.dim}`);
  const random = mulberry32(o.seed);
  const batch = new Float32Array(o.batchSize * o.dim);
  const trainLoss: number[] = [];
  const validationLoss: number[] = [];
  const t0 = performance.now();
  let steps = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = shuffledIndices(n, random);
    let sum = 0;
    let seen = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const size = Math.min(o.batchSize, n - start);
      for (let r = 0; r < size; r++) {
        const src = order[start + r]! * o.dim;
        batch.set(o.images.subarray(src, src + o.dim), r * o.dim);
      }
      const x = tf.tensor2d(batch.subarray(0, size * o.dim), [size, o.dim]);
      const loss = o.optimizer.minimize(() => o.loss(x), true);
      x.dispose();
      if (!loss) throw new Error('fit: the optimizer returned no loss');
      const value = loss.dataSync()[0]!;
      loss.dispose();
      if (!Number.isFinite(value))
        throw new Error(`fit: loss became ${value} at epoch ${epoch + 1}, step ${steps + 1}`);
      sum += value * size;
      seen += size;
      steps++;
    }
    trainLoss.push(sum / seen);
    const line = [`epoch ${epoch + 1}/${o.epochs}`, `loss ${(sum / seen).toFixed(5)}`];
    if (o.validation) {
      const v = evaluateLoss(o.validation, o.dim, 512, o.loss);
      validationLoss.push(v);
      line.push(`val ${v.toFixed(5)}`);
    }
    o.log?.(line.join('  '));
  }
  return {
    steps,
    epochs: o.epochs,
    trainLoss,
    validationLoss,
    finalLoss: trainLoss[trainLoss.length - 1] ?? Number.NaN,
    seconds: (performance.now() - t0) / 1000,
  };
}
