// Screenshots of the demo page at a laptop and a phone viewport, for the README and for checking the
// layout: `npx tsx scripts/demo-screenshots.ts [OUT_DIR] [PATH]`. Starts `wrangler dev` and headless
// Chromium like the e2e tests do; with DEMO_URL set, uses that worker instead.
import { join } from 'node:path';
import {
  drawStroke,
  idle,
  openDemo,
  type RunningWorker,
  startBrowser,
  startWorker,
} from '../test/e2e/support';

const VIEWPORTS = {
  laptop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

const outDir = process.argv[2] ?? join(import.meta.dirname, '../worker/demo/docs');
const path = process.argv[3] ?? '/?img=mnist%3A427';
const external = process.env['DEMO_URL'];
const worker: RunningWorker | undefined = external === undefined ? await startWorker() : undefined;
const url = external ?? worker!.url;
const chromium = await startBrowser();
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const page = await openDemo(chromium.context, url, path);
    await page.setViewportSize(viewport);
    await drawStroke(page, [
      [0.62, 0.3],
      [0.66, 0.45],
    ]);
    await idle(page);
    const file = join(outDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${file}`);
    await page.close();
  }
} finally {
  await chromium.stop();
  await worker?.stop();
}
