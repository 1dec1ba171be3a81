// The lecture's pretext panels in real Chromium against the real worker, on every Fashion-MNIST
// gallery image: the rotation panel must name the quarter turn the page applied (≥ 95 % of the
// images at each of the four turns), and the jigsaw panel must restore shuffled images (≥ 90 %).
// The truth comes from the page's own controls (turns, shuffle), not from the model's answer.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIGSAW_PERMUTATIONS } from '../../worker/contract/jigsaw';
import { ROTATION_ANGLES } from '../../worker/contract/rotation';
import {
  CHROMIUM,
  openDemo,
  type RunningBrowser,
  type RunningWorker,
  startBrowser,
  startWorker,
} from './support';

const HAS_CHROMIUM = existsSync(CHROMIUM);
let worker: RunningWorker;
let chromium: RunningBrowser;

interface RotationOutput {
  model: string;
  angle: number;
}
interface JigsawOutput {
  model: string;
  permutation: number[];
  restored: number[];
}

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [worker, chromium] = await Promise.all([startWorker(), startBrowser()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([chromium?.stop(), worker?.stop()]);
});

async function galleryIds(): Promise<string[]> {
  const index = (await (await fetch(`${worker.url}/data/index.json`)).json()) as {
    gallery: { images: { id: string; dataset: string }[] };
  };
  return index.gallery.images.filter((g) => g.dataset === 'fashion-mnist').map((g) => g.id);
}

/** Opens the page on one state and returns what the panel recorded, and the image on the pad. */
async function panelOutput<T>(query: string, panel: 'rotation' | 'jigsaw'): Promise<T & { image: number[] }> {
  const page = await openDemo(chromium.context, worker.url, `/?${query}`);
  try {
    const out = (await page.evaluate(
      (p) => ({ ...(window.__pretext.outputs[p] as object), image: window.__pretext.image() }),
      panel,
    )) as T & { image: number[]; model?: string };
    if (out.model === undefined)
      throw new Error(
        `the ${panel} panel recorded no answer for ${query}: ${(await page.evaluate(() => document.body.innerText)).split(panel === 'rotation' ? 'Rotation pretext' : 'Jigsaw pretext')[1]?.slice(0, 500)}`,
      );
    return out;
  } finally {
    await page.close();
  }
}

describe.skipIf(!HAS_CHROMIUM)('the pretext panels on the Fashion-MNIST gallery', () => {
  it('the rotation panel names the applied quarter turn for ≥ 95 % of the images at each turn', async () => {
    const ids = await galleryIds();
    expect(ids).toHaveLength(24);
    for (const [turns, angle] of ROTATION_ANGLES.entries()) {
      let right = 0;
      for (const id of ids) {
        const out = await panelOutput<RotationOutput>(`img=${id}&turns=${turns}&panel=rotation`, 'rotation');
        expect(out.model).toMatch(/^fmnist-/); // a garment goes to a Fashion-MNIST model
        if (out.angle === angle) right++;
      }
      expect(right / ids.length, `turned ${angle}°`).toBeGreaterThanOrEqual(0.95);
    }
  }, 600_000);

  it('the jigsaw panel restores ≥ 90 % of shuffled gallery images', async () => {
    const ids = await galleryIds();
    let restored = 0;
    let tried = 0;
    for (const [i, id] of ids.entries()) {
      // A different non-identity shuffle for each image, cycling through the 23 of them.
      const shuffle = 1 + (i % (JIGSAW_PERMUTATIONS.length - 1));
      const out = await panelOutput<JigsawOutput>(`img=${id}&shuffle=${shuffle}&panel=jigsaw`, 'jigsaw');
      expect(out.model).toMatch(/^fmnist-/);
      tried++;
      // Restored means the gallery image itself comes back (tiles moved exactly, no resampling).
      if (out.restored.every((v, j) => Math.abs(v - out.image[j]!) < 1e-6)) restored++;
    }
    expect(restored / tried).toBeGreaterThanOrEqual(0.9);
  }, 600_000);
});
