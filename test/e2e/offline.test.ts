// The demo page offline (issue 8: lecture halls have bad Wi-Fi): once a page has been open, and has run
// the models in the browser once, it keeps working with the network gone. Real Chromium with its
// service worker allowed, against the real worker (wrangler dev); the network is cut with Chromium's
// offline emulation, which fails the service worker's fetches too.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

// A machine with only Node.js and npm has no browser: say so instead of failing (CI installs it).
const HAS_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
if (!HAS_CHROMIUM) {
  console.warn(`offline.test.ts: skipping the offline demo test: ${NO_CHROMIUM}`);
  describe('the demo page offline', () => {
    it.skip(`skipped: ${NO_CHROMIUM}`, () => {});
  });
}
let worker: RunningWorker;
let chromium: RunningBrowser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [worker, chromium] = await Promise.all([startWorker(), startBrowser({ serviceWorkers: 'allow' })]);
});
afterAll(async () => {
  await Promise.all([chromium?.stop(), worker?.stop()]);
});

/** The messages of the panels that show an error (none, when every panel updated). */
const panelErrors = (page: Page) => page.locator('[data-panel] .error:not([hidden])').allTextContents();
/** How many times each panel has updated (data-updates), to tell a fresh answer from an old one. */
const updatesOf = (page: Page) =>
  page.$$eval('[data-panel]', (sections) =>
    Object.fromEntries(
      sections.map((s) => [
        (s as HTMLElement).dataset['panel'],
        Number((s as HTMLElement).dataset['updates'] ?? 0),
      ]),
    ),
  );
const panelsReady = (page: Page) =>
  page.waitForFunction(() => window.__pretext?.panels.length > 0, undefined, { timeout: 20_000 });

describe.skipIf(!HAS_CHROMIUM)('the demo page offline', () => {
  it('switches to in-browser models when the network goes, and reloads from its cache', async () => {
    const page = await openDemo(chromium.context, worker.url);
    // The service worker installs on the first visit and controls the page from the next load.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await panelsReady(page);
    await idle(page);
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    // Online: run once in the browser (fetches onnxruntime-web and the model files, which the service
    // worker keeps), then back to the API.
    const toggle = page.getByRole('checkbox', { name: 'Run the models in this browser' });
    await toggle.check();
    await idle(page);
    await toggle.uncheck();
    await idle(page);
    expect(await page.locator('#status').getAttribute('data-where')).toBe('api');

    await chromium.context.setOffline(true);
    try {
      // The 'offline' event switches the page to the browser; a stroke then updates every panel.
      await expect.poll(() => page.locator('#status').getAttribute('data-where')).toBe('browser');
      const before = await updatesOf(page);
      await drawStroke(page, [
        [0.3, 0.3],
        [0.7, 0.7],
      ]);
      await idle(page);
      expect(await panelErrors(page)).toEqual([]);
      const after = await updatesOf(page);
      for (const panel of Object.keys(before)) expect(after[panel], panel).toBeGreaterThan(before[panel]!);

      // A reload without network comes from the cache and still runs the models.
      await page.reload();
      await panelsReady(page);
      await idle(page);
      expect(await panelErrors(page)).toEqual([]);
      expect(await page.locator('#status').getAttribute('data-where')).toBe('browser');
      const reloaded = await updatesOf(page);
      for (const panel of Object.keys(reloaded)) expect(reloaded[panel], panel).toBeGreaterThan(0);
    } finally {
      await chromium.context.setOffline(false);
      await page.close();
    }
  });
});
