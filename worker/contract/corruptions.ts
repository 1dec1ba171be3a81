// Corruption processes C(x̃ | x) of the denoising autoencoder (Vincent et al. 2008; lecture: "train
// on (x̃, x)"). Pure functions of the image and a seeded RNG: the same seed gives the same noise.
import type { Rng } from './rng';

export const CORRUPTIONS = ['gaussian', 'masking', 'salt-and-pepper'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

export interface CorruptionSpec {
  kind: Corruption;
  /** σ for gaussian; the fraction p of affected pixels for masking and salt-and-pepper. */
  level: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Returns a corrupted copy of `images` (values stay in [0, 1]). */
export function corrupt(images: Float32Array, spec: CorruptionSpec, rng: Rng): Float32Array {
  const { kind, level } = spec;
  if (!(level >= 0) || (kind !== 'gaussian' && level > 1)) {
    throw new RangeError(`corruption level ${level} is out of range for ${kind}`);
  }
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const x = images[i]!;
    switch (kind) {
      case 'gaussian': // x̃ = clip(x + ε), ε ~ N(0, σ²)
        out[i] = clamp01(x + rng.normal(0, level));
        break;
      case 'masking': // each pixel set to 0 with probability p
        out[i] = rng.uniform() < level ? 0 : x;
        break;
      case 'salt-and-pepper': // each pixel set to 0 or 1 (equally likely) with probability p
        out[i] = rng.uniform() < level ? (rng.uniform() < 0.5 ? 0 : 1) : x;
        break;
    }
  }
  return out;
}
