// Stateless seeding: the RNG of epoch e or step s is a pure function of (seed, stream, e or s). A run
// resumed from a checkpoint therefore sees the same batch order and the same augmentations as one
// that never stopped, without storing RNG state.

import { createRng, type Rng } from '../../worker/contract/rng';
import { shuffleInPlace } from '../data/batches';

/** Combines integers into one 32-bit seed (murmur3's fmix32 finaliser over a running hash). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h | 0;
}

export const STREAMS = { epochOrder: 0x0e90c, step: 0x57e9, validation: 0x7a11d } as const;

/** The example order of one epoch. */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  return shuffleInPlace(order, createRng(mixSeed(seed, STREAMS.epochOrder, epoch)));
}

/** The RNG for one step (or one validation batch) of one stream. */
export function streamRng(seed: number, stream: number, index: number): Rng {
  return createRng(mixSeed(seed, stream, index));
}
