/**
 * A small seeded random number generator for shuffling and augmentations: the same seed gives
 * the same stream on every platform (Math.random cannot be seeded).
 *
 * Generator: sfc32 ("small fast chaotic", Chris Doty-Humphrey, PractRand), 128-bit state, seeded
 * by splitmix32 so that nearby seeds (0, 1, 2 …) give unrelated streams.
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** Uniform integer in [0, n); bias at most n / 2³², negligible for dataset sizes. */
  int(n: number): number;
  /** Normal(mean, std) by the Box–Muller transform. */
  normal(mean?: number, std?: number): number;
}

/** splitmix32 step (the 32-bit variant of Steele, Lea & Flood's SplitMix). */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`Seed must be an integer, got ${seed}`);
  let s = seed | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(s);
    s = next;
    words.push(out);
  }
  let [a, b, c, d] = words as [number, number, number, number];
  // Discard the first outputs: sfc32's authors advise a few rounds before use.
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const uniform = (): number => nextUint32() / 4294967296;
  return {
    uniform,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
      return Math.floor(uniform() * n);
    },
    normal(mean = 0, std = 1): number {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const u = 1 - uniform();
      const v = uniform();
      return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * `count` latent codes h ~ N(0, I) of `dims` values each, row-major: the VAE prior that /v1/generate and
 * the demo page decode, so the same seed gives the same images in both.
 */
export function priorSample(count: number, dims: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count * dims }, () => rng.normal());
}
