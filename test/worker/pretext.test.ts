// The pretext tasks with inputs whose answer is known without the code under test (STYLE.md 15): test
// images turned by a known angle, or their tiles shuffled by a known permutation, with the geometry of
// ./geometry.ts (written apart from worker/contract/). Two kinds of check:
// - the mapping, for any model: the answer's angle or permutation is the most probable class, and
//   `upright` / `restored` is the input turned back / unshuffled by exactly that prediction;
// - the accuracy, for a model that works: the known angle or permutation comes back. It is keyed on the
//   accuracy the model's manifest reports, and skipped, saying why, while that is below 0.9.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ANGLES, indexOfMax, PERMUTATIONS, shuffle, turnCounterClockwise, unshuffle } from './geometry';
import {
  bundledManifest,
  float32Rows,
  index,
  jsonInit,
  maxAbsDifference,
  testImagesFor,
  titled,
} from './support';

const fetchApi = (path: string, init: RequestInit) =>
  exports.default.fetch(`http://pretext.test${path}`, init);

async function answer<T>(path: string, model: string, images: number[][]): Promise<T> {
  const response = await fetchApi(path, jsonInit({ model, images }));
  expect(response.status).toBe(200);
  return response.json<T>();
}

/** The N×C class probabilities of the same request, as float32 (the scores behind the JSON answer). */
async function probabilities(path: string, model: string, images: number[][]): Promise<number[][]> {
  const response = await fetchApi(path, {
    ...jsonInit({ model, images }),
    headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
  });
  expect(response.status).toBe(200);
  return float32Rows(response);
}

/** Why the accuracy test cannot pass yet, or undefined when the model's manifest says it should. */
function weakModel(model: string, metric: string): string | undefined {
  const value = bundledManifest(model).metrics[metric];
  if (value !== undefined && value >= 0.9) return undefined;
  return `${model}'s manifest reports ${metric} ${value ?? 'missing'} < 0.9; this runs once a model that works is committed`;
}

const share = (hits: readonly boolean[]) => hits.filter(Boolean).length / hits.length;

describe('POST /v1/rotation with test images turned by known angles', () => {
  const model = index.defaults.rotation!;
  const originals = testImagesFor(bundledManifest(model));
  // Every image at each of the four angles: example 4i + k is image i turned k·90° counter-clockwise.
  const turned = originals.flatMap((image) => ANGLES.map((_, k) => turnCounterClockwise(image, k)));
  type Rotation = { predictions: { angle: number; probabilities: number[] }[]; upright: number[][] };

  it('answers the most probable angle, and turns each input back by exactly that angle', async () => {
    const body = await answer<Rotation>('/v1/rotation', model, turned);
    const scores = await probabilities('/v1/rotation', model, turned);
    body.predictions.forEach(({ angle, probabilities: p }, i) => {
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(maxAbsDifference(p, scores[i]!)).toBeLessThan(1e-6);
      expect(angle).toBe(ANGLES[indexOfMax(p)]);
      expect(body.upright[i]).toEqual(turnCounterClockwise(turned[i]!, -angle / 90));
    });
  });

  const weak = weakModel(model, 'rotationAccuracy');
  it.skipIf(weak !== undefined)(
    titled('names the angle each image was turned by (90° for a quarter turn) and turns it upright', weak),
    async () => {
      const body = await answer<Rotation>('/v1/rotation', model, turned);
      const right = body.predictions.map(({ angle }, i) => angle === ANGLES[i % 4]);
      expect(share(right)).toBeGreaterThanOrEqual(0.9);
      const quarterTurns = body.predictions.filter((_, i) => i % 4 === 1).map((p) => p.angle);
      expect(share(quarterTurns.map((angle) => angle === 90))).toBeGreaterThanOrEqual(0.9);
      right.forEach((ok, i) => {
        if (ok) expect(body.upright[i]).toEqual(originals[Math.floor(i / 4)]);
      });
    },
  );
});

describe('POST /v1/jigsaw with test images shuffled by known permutations', () => {
  const model = index.defaults.jigsaw!;
  const originals = testImagesFor(bundledManifest(model));
  // Image i shuffled by permutation 7i + 5 (mod 24): every image by another order, none the identity.
  const chosen = originals.map((_, i) => PERMUTATIONS[(7 * i + 5) % 24]!);
  const shuffled = originals.map((image, i) => shuffle(image, chosen[i]!));
  type Jigsaw = { predictions: { permutation: number[]; probability: number }[]; restored: number[][] };

  it('answers the most probable permutation, and unshuffles each input by exactly that one', async () => {
    const body = await answer<Jigsaw>('/v1/jigsaw', model, shuffled);
    const scores = await probabilities('/v1/jigsaw', model, shuffled);
    body.predictions.forEach(({ permutation, probability }, i) => {
      const best = indexOfMax(scores[i]!);
      expect(permutation).toEqual(PERMUTATIONS[best]);
      expect(probability).toBeCloseTo(scores[i]![best]!, 6);
      expect(body.restored[i]).toEqual(unshuffle(shuffled[i]!, permutation));
    });
  });

  const weak = weakModel(model, 'jigsawAccuracy');
  it.skipIf(weak !== undefined)(
    titled('names the permutation each image was shuffled by, and gives the original image back', weak),
    async () => {
      const body = await answer<Jigsaw>('/v1/jigsaw', model, shuffled);
      const right = body.predictions.map(({ permutation }, i) => permutation.join() === chosen[i]!.join());
      expect(share(right)).toBeGreaterThanOrEqual(0.9);
      right.forEach((ok, i) => {
        if (ok) expect(body.restored[i]).toEqual(originals[i]);
      });
    },
  );
});
