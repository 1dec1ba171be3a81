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

const HAS_CHROMIUM = existsSync(CHROMIUM);
let worker: RunningWorker;
let chromium: RunningBrowser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [worker, chromium] = await Promise.all([startWorker(), startBrowser({ serviceWorkers: 'allow' })]);
});
afterAll(async () => {
  await Promise.all([chromium?.stop(), worker?.stop()]);
});

const outputsOf = (page: Page) => page.evaluate(() => window.__pretext.outputs as Record<string, unknown>);
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
      await drawStroke(page, [
        [0.3, 0.3],
        [0.7, 0.7],
      ]);
      await idle(page);
      expect(await page.locator('[data-panel] .error:not([hidden])').count()).toBe(0);
      const drawn = await outputsOf(page);
      expect(Object.keys(drawn).length).toBeGreaterThan(0);

      // A reload without network comes from the cache and still runs the models.
      await page.reload();
      await panelsReady(page);
      await idle(page);
      expect(await page.locator('[data-panel] .error:not([hidden])').count()).toBe(0);
      expect(await page.locator('#status').getAttribute('data-where')).toBe('browser');
      expect(Object.keys(await outputsOf(page)).length).toBeGreaterThan(0);
    } finally {
      await chromium.context.setOffline(false);
      await page.close();
    }
  });
});
