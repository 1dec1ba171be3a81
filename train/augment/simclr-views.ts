// SimCLR's stochastic data augmentation t ~ T (Chen et al. 2020, §3 and appendix A), rewritten for
// 28×28 grayscale digits and clothes. Two views t(x), t'(x) of each image form the positive pair of
// NT-Xent; what T leaves out is what the representation learns to ignore. The choices:
// - random resized crop (area share [0.5, 1], aspect [3/4, 4/3], bilinear back to 28×28): the paper's
//   most important augmentation. Its ImageNet lower bound 0.08 would keep an 8×8 patch of an object
//   that fills the whole frame, too little to name it; half the area still shows the object's shape.
// - small rotation (±15°) and translation (±3 px): handwriting slant and imperfect centring, which
//   both datasets have; larger angles would turn a 6 towards a 9.
// - horizontal flips only where the data allows them (flipProbability, off by default): digits are
//   not mirror-symmetric, but a mirrored shirt or shoe is still a shirt or a shoe, so for
//   Fashion-MNIST the flip teaches an invariance the classes have (SimCLR uses it on ImageNet).
// - grayscale intensity jitter (a random gamma, 0 and 1 stay put) instead of colour distortion: the
//   paper shows that crops of one image are told apart by their colour histogram unless it is
//   distorted; with one channel the histogram of ink intensities is the remaining shortcut.
// - Gaussian noise and random erasing (Zhong et al. 2020, "Random Erasing Data Augmentation"): cheap
//   occlusion and sensor noise; erased pixels become background (0) as in the ink-is-1 convention.
// - no Gaussian blur: at 28×28 it removes the strokes themselves (the paper also drops it for CIFAR-10).
// All randomness comes from the Rng argument, so a seeded step gives the same views on every run.
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../worker/contract/image';
import type { Rng } from '../../worker/contract/rng';

export interface SimclrViewOptions {
  /** Range of the crop's share of the image area. */
  cropScale: readonly [number, number];
  /** Range of the crop's width / height (sampled log-uniformly). */
  aspectRatio: readonly [number, number];
  maxRotationDegrees: number;
  /** Largest shift in pixels, each axis. */
  maxTranslation: number;
  /** Probability of mirroring the view left–right. */
  flipProbability: number;
  /** Probability of a gamma x^γ with γ log-uniform in [1/maxGamma, maxGamma]. */
  gammaProbability: number;
  maxGamma: number;
  /** Probability of adding N(0, noiseStd²) to every pixel. */
  noiseProbability: number;
  noiseStd: number;
  /** Probability of erasing one rectangle, whose area share lies in erasingArea. */
  erasingProbability: number;
  erasingArea: readonly [number, number];
}

export const SIMCLR_VIEWS_28X28: Readonly<SimclrViewOptions> = Object.freeze({
  cropScale: [0.5, 1] as const,
  aspectRatio: [3 / 4, 4 / 3] as const,
  maxRotationDegrees: 15,
  maxTranslation: 3,
  flipProbability: 0,
  gammaProbability: 0.5,
  maxGamma: 2,
  noiseProbability: 0.5,
  noiseStd: 0.05,
  erasingProbability: 0.5,
  erasingArea: [0.02, 0.2] as const,
});

const S = IMAGE_SIDE;
const between = (rng: Rng, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng.uniform();
const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(between(rng, [Math.log(lo), Math.log(hi)]));

/** Bilinear sample at continuous pixel coordinates (pixel centres at i + 0.5); background outside. */
function sample(image: Float32Array, x: number, y: number): number {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const at = (xi: number, yi: number) => (xi < 0 || yi < 0 || xi >= S || yi >= S ? 0 : image[yi * S + xi]!);
  return (
    (1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x0 + 1, y0)) +
    ay * ((1 - ax) * at(x0, y0 + 1) + ax * at(x0 + 1, y0 + 1))
  );
}

/** The crop, rotation and shift as one inverse map from output to source pixels, sampled once. */
function geometric(image: Float32Array, rng: Rng, o: SimclrViewOptions): Float32Array {
  const area = between(rng, o.cropScale);
  const ratio = logUniform(rng, o.aspectRatio[0], o.aspectRatio[1]);
  const w = Math.min(S, S * Math.sqrt(area * ratio));
  const h = Math.min(S, S * Math.sqrt(area / ratio));
  const cx = w / 2 + (S - w) * rng.uniform();
  const cy = h / 2 + (S - h) * rng.uniform();
  const angle = ((2 * rng.uniform() - 1) * o.maxRotationDegrees * Math.PI) / 180;
  const tx = (2 * rng.uniform() - 1) * o.maxTranslation;
  const ty = (2 * rng.uniform() - 1) * o.maxTranslation;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Drawn last, so views without flips keep the random stream they had before flips existed.
  const mirror = o.flipProbability > 0 && rng.uniform() < o.flipProbability ? -1 : 1;
  const out = new Float32Array(IMAGE_PIXELS);
  for (let v = 0; v < S; v++) {
    const b = ((v + 0.5) / S - 0.5) * h;
    for (let u = 0; u < S; u++) {
      const a = mirror * ((u + 0.5) / S - 0.5) * w;
      out[v * S + u] = sample(image, cx + cos * a - sin * b - tx, cy + sin * a + cos * b - ty);
    }
  }
  return out;
}

/** One view t(x) of one 28×28 image; values stay in [0, 1]. */
export function simclrView(
  image: Float32Array,
  rng: Rng,
  o: SimclrViewOptions = SIMCLR_VIEWS_28X28,
): Float32Array {
  if (image.length !== IMAGE_PIXELS)
    throw new RangeError(`simclrView: expected 784 pixels, got ${image.length}`);
  const out = geometric(image, rng, o);
  if (rng.uniform() < o.gammaProbability) {
    const gamma = logUniform(rng, 1 / o.maxGamma, o.maxGamma);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i]!) ** gamma;
  }
  if (rng.uniform() < o.erasingProbability) {
    const area = between(rng, o.erasingArea) * IMAGE_PIXELS;
    const ratio = logUniform(rng, 0.3, 1 / 0.3);
    const eh = Math.max(1, Math.min(S, Math.round(Math.sqrt(area / ratio))));
    const ew = Math.max(1, Math.min(S, Math.round(Math.sqrt(area * ratio))));
    const top = rng.int(S - eh + 1);
    const left = rng.int(S - ew + 1);
    for (let y = top; y < top + eh; y++) out.fill(0, y * S + left, y * S + left + ew);
  }
  const noisy = rng.uniform() < o.noiseProbability;
  for (let i = 0; i < out.length; i++) {
    const v = noisy ? out[i]! + rng.normal(0, o.noiseStd) : out[i]!;
    out[i] = Math.min(1, Math.max(0, v));
  }
  return out;
}

/** Two independent views of every image (n × 784 each); row i of both is the positive pair of image i. */
export function simclrViews(
  images: Float32Array,
  rng: Rng,
  o: SimclrViewOptions = SIMCLR_VIEWS_28X28,
): [Float32Array, Float32Array] {
  const n = images.length / IMAGE_PIXELS;
  if (!Number.isInteger(n)) throw new RangeError(`simclrViews: ${images.length} values are not 28×28 images`);
  const first = new Float32Array(images.length);
  const second = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
    first.set(simclrView(image, rng, o), i * IMAGE_PIXELS);
    second.set(simclrView(image, rng, o), i * IMAGE_PIXELS);
  }
  return [first, second];
}
