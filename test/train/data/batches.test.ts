import { describe, expect, it } from 'vitest';
import { BatchSampler, batchCount, shuffleInPlace } from '../../../train/data/batches';
import type { Dataset } from '../../../train/data/dataset';
import { IMAGE_PIXELS } from '../../../worker/contract/image';
import { createRng } from '../../../worker/contract/rng';

/** Image i is filled with the value i, its label is i mod 10: rows are recognisable in a batch. */
function numbered(count: number): Dataset {
  const images = new Float32Array(count * IMAGE_PIXELS);
  for (let i = 0; i < count; i++) images.fill(i, i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { name: 'numbered', images, labels, count, classNames: [] };
}

const epochOrder = (sampler: BatchSampler) => [...sampler.epoch()].flatMap((batch) => [...batch.indices]);

describe('BatchSampler', () => {
  it('should visit every example once per epoch, in batches of the requested size', () => {
    const sampler = new BatchSampler(numbered(10), { batchSize: 4, rng: createRng(1) });
    const batches = [...sampler.epoch()];
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(sampler.batchesPerEpoch).toBe(3);
    expect(batches.flatMap((b) => [...b.indices]).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('should copy exactly the rows and labels of its indices', () => {
    const sampler = new BatchSampler(numbered(25), { batchSize: 8, rng: createRng(5) });
    for (const batch of sampler.epoch()) {
      expect(batch.images.length).toBe(batch.size * IMAGE_PIXELS);
      batch.indices.forEach((row, k) => {
        const image = batch.images.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS);
        expect(image.every((v) => v === row)).toBe(true);
        expect(batch.labels[k]).toBe(row % 10);
      });
    }
  });

  it('should repeat the same order for the same seed, epoch after epoch', () => {
    const run = (seed: number) => {
      const sampler = new BatchSampler(numbered(50), { batchSize: 16, rng: createRng(seed) });
      return [epochOrder(sampler), epochOrder(sampler)];
    };
    const [first, second] = run(9);
    expect(run(9)).toEqual([first, second]);
    expect(second).not.toEqual(first);
    expect(run(10)[0]).not.toEqual(first);
  });

  it('should keep the dataset order without an rng, and drop the short batch on request', () => {
    const sampler = new BatchSampler(numbered(10), { batchSize: 4, dropLast: true });
    expect(epochOrder(sampler)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sampler.batchesPerEpoch).toBe(2);
  });

  it('should hand out batches that do not alias the dataset or each other', () => {
    const data = numbered(4);
    const [batch] = [...new BatchSampler(data, { batchSize: 4 }).epoch()];
    batch!.images.fill(-1);
    expect(data.images[0]).toBe(0);
  });

  it('should reject a batch size that is not a positive integer', () => {
    expect(() => new BatchSampler(numbered(3), { batchSize: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: Batch size must be a positive integer, got 0]`,
    );
  });
});

describe('shuffleInPlace', () => {
  it('should give every position every element about equally often (Fisher–Yates is uniform)', () => {
    const rng = createRng(2);
    const hits = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (let trial = 0; trial < 8000; trial++) {
      const order = shuffleInPlace(Uint32Array.from([0, 1, 2, 3]), rng);
      for (const [position, element] of order.entries()) hits[position]![element]!++;
    }
    for (const row of hits) for (const count of row) expect(Math.abs(count - 2000)).toBeLessThan(150);
  });
});

describe('batchCount', () => {
  it('should count the short last batch unless it is dropped', () => {
    expect([batchCount(10, 4), batchCount(10, 4, true), batchCount(8, 4), batchCount(8, 4, true)]).toEqual([
      3, 2, 2, 2,
    ]);
  });
});
