// The demo page end to end: the real worker (wrangler dev) and real headless Chromium. The panels that
// appear are the ones the bundled models serve, so these tests check "every available panel".
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../worker/contract/manifest';
import {
  CHROMIUM,
  drawStroke,
  idle,
  openDemo,
  type RunningBrowser,
  type RunningWorker,
  startBrowser,
  startWorker,
} from './support';

let worker: RunningWorker;
let chromium: RunningBrowser;

// A machine with only Node.js and npm has no browser: say so instead of failing (CI installs it).
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(`demo.test.ts: skipping the demo page tests: no Chromium at ${CHROMIUM}`);
  describe('demo page end to end', () => {
    it.skip(`skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`, () => {});
  });
}

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [worker, chromium] = await Promise.all([startWorker(), startBrowser()]);
});
afterAll(async () => {
  await Promise.all([chromium?.stop(), worker?.stop()]);
});

const ZIGZAG: [number, number][] = [
  [0.3, 0.25],
  [0.7, 0.3],
  [0.35, 0.75],
  [0.72, 0.78],
];

interface SimilarItems {
  set: string;
  k: number;
  leftOut: number | null;
  rows: Record<string, { index: number; label: string; score: number }[]>;
}

const outputsOf = (page: Page) => page.evaluate(() => window.__pretext.outputs as Record<string, unknown>);
const panelsOf = (page: Page) => page.evaluate(() => window.__pretext.panels);
const updatesOf = (page: Page) =>
  page.$$eval('[data-panel]', (sections) =>
    Object.fromEntries(
      sections.map((s) => [
        (s as HTMLElement).dataset['panel'],
        Number((s as HTMLElement).dataset['updates'] ?? 0),
      ]),
    ),
  );

/** Largest |a − b| over every number of two equally shaped values; other leaves must be equal. */
function maxAbsDifference(a: unknown, b: unknown, path = '$'): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(b.length, `${path}.length`).toBe(a.length);
    return a.reduce((max: number, v, i) => Math.max(max, maxAbsDifference(v, b[i], `${path}[${i}]`)), 0);
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(b).sort(), `${path} keys`).toEqual(Object.keys(a).sort());
    return Object.entries(a).reduce(
      (max: number, [k, v]) =>
        Math.max(max, maxAbsDifference(v, (b as Record<string, unknown>)[k], `${path}.${k}`)),
      0,
    );
  }
  expect(b, path).toEqual(a);
  return 0;
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${worker.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe.skipIf(!HAS_CHROMIUM)('the demo page', () => {
  it('updates every available panel with real model output when a stroke is drawn', async () => {
    const page = await openDemo(chromium.context, worker.url);
    const panels = await panelsOf(page);
    expect(panels).toContain('reconstruct');
    const before = await updatesOf(page);
    const imageBefore = await page.evaluate(() => window.__pretext.image());

    await drawStroke(page, ZIGZAG);
    await idle(page);

    const image = await page.evaluate(() => window.__pretext.image());
    expect(image).not.toEqual(imageBefore);
    const after = await updatesOf(page);
    for (const panel of panels) expect(after[panel], panel).toBeGreaterThan(before[panel]!);
    expect(await page.locator('[data-panel] .error:not([hidden])').count()).toBe(0);

    // what the page shows is what the API answers for the drawn image
    const outputs = await outputsOf(page);
    expect(Object.keys(outputs).sort()).toEqual(
      expect.arrayContaining(panels.filter((p) => p !== 'map').sort()),
    );
    const reconstructions = outputs['reconstruct'] as Record<string, { image: number[]; mse: number }>;
    for (const [model, shown] of Object.entries(reconstructions)) {
      const answer = await post('/v1/reconstruct', { model, images: [image] });
      expect(shown.image).toEqual((answer['images'] as number[][])[0]);
      expect(shown.mse).toBe((answer['mse'] as number[])[0]);
    }
    // Similar items: each model's row is the API's answer for the drawn image, under the pixels row.
    const similar = outputs['neighbors'] as SimilarItems;
    expect(similar).toMatchObject({ set: 'mnist', leftOut: null });
    expect(Object.keys(similar.rows)[0]).toBe('pixels');
    for (const [model, shown] of Object.entries(similar.rows).slice(1)) {
      const answer = await post('/v1/neighbors', { model, images: [image], k: similar.k });
      expect(shown).toEqual((answer['neighbors'] as unknown[][])[0]);
    }
    expect(await page.locator('[data-panel="neighbors"] .neighbor-row figure').count()).toBe(
      Object.values(similar.rows).flat().length,
    );
    await expect.poll(() => page.locator('#status').getAttribute('data-where')).toBe('api');
    expect(await page.locator('#status').textContent()).toMatch(/Ran on the API: \d+ requests, [\d.]+ ms/);
    expect(page.url()).toContain('img=d%3A'); // the drawing is in the link
    await page.close();
  });

  it('shows the similar items of a gallery image per embedding, itself left out, and switches sets', async () => {
    const page = await openDemo(chromium.context, worker.url, '/?img=fashion-mnist%3A0&panel=neighbors');
    const similar = (await outputsOf(page))['neighbors'] as SimilarItems;
    expect(similar).toMatchObject({ set: 'fashion-mnist', leftOut: 0, k: 8 });
    const models = (await (await fetch(`${worker.url}/v1/models`)).json()) as { models: Manifest[] };
    const indexed = models.models
      .filter((m) => m.dataset.name === 'fashion-mnist' && m.reference)
      .map((m) => m.name);
    expect(Object.keys(similar.rows)).toEqual(['pixels', ...indexed]);
    const image = await page.evaluate(() => window.__pretext.image());
    for (const model of indexed) {
      const answer = await post('/v1/neighbors', { model, images: [image], k: similar.k + 1 });
      const expected = (answer['neighbors'] as { index: number }[][])[0]!
        .filter((n) => n.index !== 0)
        .slice(0, 8);
      expect(similar.rows[model]).toEqual(expected);
    }
    // Test image 0 is an ankle boot: most of its neighbours in every row are too, framed as its class.
    expect(await page.locator('[data-panel="neighbors"] figure.same-class').count()).toBeGreaterThan(
      (indexed.length + 1) * 4,
    );
    await page.getByLabel('Reference set').selectOption('mnist');
    await idle(page);
    expect(await page.evaluate(() => window.__pretext.state().reference)).toBe('mnist');
    expect(page.url()).toContain('ref=mnist');
    const digits = (await outputsOf(page))['neighbors'] as SimilarItems;
    expect(digits).toMatchObject({ set: 'mnist', leftOut: null });
    await page.close();
  });

  it('opens a shared link in exactly the state it was shared in', async () => {
    const page = await openDemo(
      chromium.context,
      worker.url,
      '/?img=fashion-mnist%3A0&panel=map&noise=masking&level=0.45&turns=2',
    );
    await drawStroke(page, [
      [0.2, 0.5],
      [0.8, 0.5],
    ]);
    await idle(page);
    const shared = page.url();
    const [state, image, outputs] = await Promise.all([
      page.evaluate(() => window.__pretext.state()),
      page.evaluate(() => window.__pretext.image()),
      outputsOf(page),
    ]);
    expect(state).toMatchObject({ panel: 'map', noise: 'masking', level: 0.45, turns: 2 });

    const opened = await openDemo(chromium.context, shared, '');
    expect(await opened.evaluate(() => window.__pretext.state())).toEqual(state);
    expect(await opened.evaluate(() => window.__pretext.image())).toEqual(image);
    expect(await outputsOf(opened)).toEqual(outputs);
    expect(opened.url()).toBe(shared);
    await Promise.all([page.close(), opened.close()]);
  });

  it('runs the same models in the browser with the same outputs as the API (max abs error ≤ 1e-4)', async () => {
    const page = await openDemo(chromium.context, worker.url, '/?img=mnist%3A427');
    const fromApi = await outputsOf(page);
    const before = await updatesOf(page);
    await page.getByRole('checkbox', { name: 'Run the models in this browser' }).check();
    await idle(page);
    // every panel answered again, in the browser (outputs keep the API's answers until then)
    const after = await updatesOf(page);
    for (const panel of Object.keys(before)) expect(after[panel], panel).toBeGreaterThan(before[panel]!);
    const status = page.locator('#status');
    expect(await status.getAttribute('data-where')).toBe('browser');
    expect(['wasm', 'webgpu']).toContain(await status.getAttribute('data-backend'));
    expect(await status.textContent()).toMatch(
      /Ran in this browser with onnxruntime-web \((wasm|webgpu)\): \d+ runs, [\d.]+ ms/,
    );
    expect(page.url()).toContain('run=browser');
    expect(await page.locator('[data-panel] .error:not([hidden])').count()).toBe(0);

    const inBrowser = await outputsOf(page);
    expect(Object.keys(inBrowser).sort()).toEqual(Object.keys(fromApi).sort());
    expect(maxAbsDifference(fromApi, inBrowser)).toBeLessThanOrEqual(1e-4);
    await page.close();
  });

  it('shows a readable message, not a blank panel, when the API answers with an error', async () => {
    const page = await openDemo(chromium.context, worker.url);
    await page.route('**/v1/reconstruct', (route) =>
      route.fulfill({
        status: 503,
        json: {
          error: {
            code: 'model_unavailable',
            message: 'Model "mnist-mlp-ae" is unavailable: its bytes changed',
          },
        },
      }),
    );
    await drawStroke(page, ZIGZAG);
    await idle(page);
    const error = page.locator('[data-panel="reconstruct"] .error');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.textContent()).toBe(
      'Could not update: 503 model_unavailable: Model "mnist-mlp-ae" is unavailable: its bytes changed',
    );
    expect(await page.locator('[data-panel="reconstruct"] canvas').count()).toBeGreaterThan(0); // last answer kept
    await page.close();
  });

  it('can be used with the keyboard alone', async () => {
    const page = await openDemo(chromium.context, worker.url);
    // the gallery: Tab reaches a test image, Enter picks it
    const pick = page.locator('button.pick[data-id="fashion-mnist:0"]');
    await pick.focus();
    await page.keyboard.press('Enter');
    await idle(page);
    expect((await page.evaluate(() => window.__pretext.state())).image).toBe('fashion-mnist:0');
    // the canvas: Delete clears, Backspace undoes
    await page.locator('#pad').focus();
    await page.keyboard.press('Delete');
    await idle(page);
    expect((await page.evaluate(() => window.__pretext.image())).every((v) => v === 0)).toBe(true);
    await page.keyboard.press('Backspace');
    await idle(page);
    expect((await page.evaluate(() => window.__pretext.state())).image).toMatch(/^d:/);
    expect((await page.evaluate(() => window.__pretext.image())).some((v) => v > 0)).toBe(true);
    // the inference switch: Space toggles it
    await page.locator('#in-browser').focus();
    await page.keyboard.press('Space');
    await idle(page);
    expect((await page.evaluate(() => window.__pretext.state())).inBrowser).toBe(true);
    // Tab order reaches the switch, Copy link, the canvas, Undo, Clear and the gallery, in that order
    await page.locator('.skip').focus();
    const order: string[] = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''),
      );
    }
    expect(order.slice(0, 6)).toEqual(['in-browser', 'copy-link', 'pad', 'undo', 'clear', '']);
    await page.close();
  });
});
