// The reference index's bytes and score (worker/contract/reference-index.ts): a case computed by hand, the
// search against a naive sort of every score, and the files and manifests it refuses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Manifest, ManifestSchema } from '../../worker/contract/manifest';
import {
  decodeReferenceLabels,
  decodeReferenceVectors,
  encodeReferenceImages,
  encodeReferenceVectors,
  nearestNeighbors,
  type ReferenceVectors,
  referenceImage,
} from '../../worker/contract/reference-index';

const vectorsOf = (embeddings: number[][]): ReferenceVectors => {
  const dims = embeddings[0]!.length;
  const bytes = encodeReferenceVectors(embeddings.flat(), dims);
  return decodeReferenceVectors(bytes.buffer as ArrayBuffer, embeddings.length, dims);
};

/** Every row's cosine with the query from the decoded unit vectors, sorted best first, ties by index. */
function naive(vectors: ReferenceVectors, query: readonly number[], k: number) {
  const { count, dims, codes } = vectors;
  const scores = Array.from({ length: count }, (_, r) => {
    const row = Array.from(codes.subarray(r * dims, (r + 1) * dims));
    const dot = row.reduce((sum, code, j) => sum + code * query[j]!, 0);
    const lengths = Math.hypot(...row) * Math.hypot(...query);
    return { index: r, score: lengths === 0 ? 0 : dot / lengths };
  });
  return scores.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

describe('encodeReferenceVectors', () => {
  it('stores (3, 4) as the int8 codes (95, 127), scored against (4, 3) as by hand', () => {
    const bytes = encodeReferenceVectors([3, 4], 2);
    // 3/4 · 127 = 95.25 → 95; ‖(95, 127)‖ = √25154; cos = (95·4 + 127·3) / (5 √25154) = 761 / 792.99…
    expect(Array.from(new Int8Array(bytes.buffer))).toEqual([95, 127]);
    const [[best]] = nearestNeighbors(vectorsOf([[3, 4]]), [4, 3], 1) as unknown as [[{ score: number }]];
    expect(best.score).toBeCloseTo(761 / (5 * Math.sqrt(25154)), 12);
    expect(best.score).toBeCloseTo(24 / 25, 3); // the exact cosine, up to the int8 rounding
  });

  it('keeps each embedding’s direction: its codes have cosine > 0.999 with it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (embedding) => {
          fc.pre(embedding.some((v) => Math.abs(v) > 1e-3));
          const [[self]] = nearestNeighbors(vectorsOf([embedding]), embedding, 1) as unknown as [
            [{ score: number }],
          ];
          expect(self.score).toBeGreaterThan(0.999);
          expect(self.score).toBeLessThan(1.000001);
        },
      ),
    );
  });

  it('stores a zero embedding as a zero row, which scores 0 against everything', () => {
    const vectors = vectorsOf([
      [0, 0, 0],
      [1, 2, 3],
    ]);
    expect(Array.from(vectors.codes.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(nearestNeighbors(vectors, [-1, -2, -3], 2)).toEqual([
      [
        { index: 0, score: 0 },
        { index: 1, score: expect.closeTo(-1, 4) },
      ],
    ]);
  });

  it('refuses values that are not rows, and non-finite values', () => {
    expect(() => encodeReferenceVectors([1, 2, 3], 2)).toThrow('3 values are not rows of 2');
    expect(() => encodeReferenceVectors([1, Number.NaN], 2)).toThrow(
      'embedding 0 has a non-finite value NaN',
    );
  });
});

describe('nearestNeighbors', () => {
  const rows = fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 5, maxLength: 5 }), {
    minLength: 1,
    maxLength: 40,
  });

  it('answers what sorting every score answers, whatever the batch size (4-query blocks and the rest)', () => {
    fc.assert(
      fc.property(
        rows,
        fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 5, maxLength: 5 }), {
          minLength: 1,
          maxLength: 9,
        }),
        fc.integer({ min: 1, max: 50 }),
        (reference, queries, k) => {
          const vectors = vectorsOf(reference);
          const batch = nearestNeighbors(vectors, queries.flat(), k);
          queries.forEach((query, q) => {
            const expected = naive(vectors, query, k);
            expect(batch[q]!.map((n) => n.index)).toEqual(expected.map((n) => n.index));
            batch[q]!.forEach((n, i) => {
              expect(n.score).toBeCloseTo(expected[i]!.score, 12);
            });
            // Alone, the query gets the very same answer as in its batch.
            expect(nearestNeighbors(vectors, query, k)).toEqual([batch[q]]);
          });
        },
      ),
    );
  });

  it('ranks equal scores by index, and answers every row when k exceeds them', () => {
    const vectors = vectorsOf([
      [1, 0],
      [0, 1],
      [2, 0],
      [-1, 0],
    ]);
    expect(nearestNeighbors(vectors, [5, 0], 10)[0]!.map((n) => n.index)).toEqual([0, 2, 1, 3]);
  });
});

describe('decoding refuses a file whose bytes match their sha256 but not the format', () => {
  const bytes = encodeReferenceVectors([3, 4, 0, 0, -1, 1], 2);

  it('a vectors file of the wrong size', () => {
    expect(() =>
      decodeReferenceVectors(bytes.buffer as ArrayBuffer, 2, 2),
    ).toThrowErrorMatchingInlineSnapshot(
      `[ReferenceFormatError: has 6 bytes, but 2 rows of 2 int8 codes take 4]`,
    );
  });

  it('a labels file of the wrong size, or naming a class that does not exist', () => {
    expect(() =>
      decodeReferenceLabels(new Uint8Array([0, 1]).buffer, 3, 10),
    ).toThrowErrorMatchingInlineSnapshot(`[ReferenceFormatError: has 2 bytes, but 3 rows take 3]`);
    expect(() =>
      decodeReferenceLabels(new Uint8Array([0, 10, 2]).buffer, 3, 10),
    ).toThrowErrorMatchingInlineSnapshot(
      `[ReferenceFormatError: has class 10 in row 1, but there are 10 classes]`,
    );
  });
});

describe('reference images', () => {
  it('are stored on the 8-bit grid of the datasets and read back as the API’s pixels', () => {
    const image = Float32Array.from({ length: 784 }, (_, i) => (i % 256) / 255);
    const bytes = encodeReferenceImages([...new Float32Array(784), ...image]);
    expect(bytes.length).toBe(2 * 784);
    expect(Array.from(referenceImage(bytes, 1))).toEqual(Array.from(image));
  });
});

describe('manifest.reference', () => {
  const simclr = ManifestSchema.parse(
    JSON.parse(readFileSync(join('models', 'fmnist-simclr', 'manifest.json'), 'utf8')),
  );
  const problems = (manifest: unknown) => {
    const parsed = ManifestSchema.safeParse(manifest);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const reference = simclr.reference!;

  it('holds in the committed manifest of an embedding model', () => {
    expect(problems(simclr)).toEqual([]);
    expect(simclr.tasks).toContain('neighbors');
  });

  it('agrees with the tasks, the graph that embedded it, the embedding and its own sizes', () => {
    const { reference: _, ...withoutReference } = simclr;
    expect(problems(withoutReference)).toEqual([
      `tasks.${simclr.tasks.indexOf('neighbors')}: task "neighbors" needs a "reference" index`,
    ]);
    // Without its int8 variant, whose own check (made from this graph) is not what this test is about.
    const { variants: _variants, ...float } = simclr;
    const wrong: Manifest = {
      ...float,
      tasks: ['embed'],
      onnx: { ...simclr.onnx, sha256: '0'.repeat(64) },
      reference: {
        ...reference,
        dims: 64,
        vectors: { ...reference.vectors, bytes: 1 },
        labels: { ...reference.labels, bytes: 9999 },
      },
    };
    expect(problems(wrong)).toMatchInlineSnapshot(`
      [
        "tasks: a model with a "reference" index lists task "neighbors"",
        "reference.embeddedBy: is the sha256 of another graph than onnx.file: rebuild the index (npm run models:index -- fmnist-simclr)",
        "reference.dims: is 64, but the embedding output has shape [128]",
        "reference.vectors.bytes: must be 640000 for 10000 rows of 64 int8 codes",
        "reference.labels.bytes: must be 10000, one byte per row",
      ]
    `);
  });
});
