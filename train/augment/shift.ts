// Random translation by whole pixels, the usual augmentation of supervised training on MNIST and
// Fashion-MNIST (Simard, Steinkraus & Platt 2003 use elastic and affine distortions; a shift of up to
// two pixels is their cheapest part). Vacated pixels become background (0). Seeded by the Rng.
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../worker/contract/image';
import type { Rng } from '../../worker/contract/rng';

/** Every image shifted by its own (dx, dy), each uniform in [−maxShift, maxShift]. */
export function randomShifts(images: Float32Array, maxShift: number, rng: Rng): Float32Array {
  const n = images.length / IMAGE_PIXELS;
  if (!Number.isInteger(n))
    throw new RangeError(`randomShifts: ${images.length} values are not 28×28 images`);
  const out = new Float32Array(images.length);
  const S = IMAGE_SIDE;
  for (let i = 0; i < n; i++) {
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const src = i * IMAGE_PIXELS;
    for (let y = Math.max(0, dy); y < Math.min(S, S + dy); y++) {
      const from = src + (y - dy) * S + Math.max(0, -dx);
      out.set(images.subarray(from, from + S - Math.abs(dx)), src + y * S + Math.max(0, dx));
    }
  }
  return out;
}
