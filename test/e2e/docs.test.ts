// /docs with no internet (issue 16): the API reference renders from the worker alone. Real Chromium
// against the real worker (wrangler dev); every request to another origin is refused and recorded, as a
// machine without internet would refuse it, and the page must render anyway and ask for no script from
// elsewhere.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_REFERENCE_SCRIPT } from '../../worker/routes/docs-script';
import { CHROMIUM, type RunningBrowser, type RunningWorker, startBrowser, startWorker } from './support';

const HAS_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
if (!HAS_CHROMIUM) {
  console.warn(`docs.test.ts: skipping the /docs test: ${NO_CHROMIUM}`);
  describe('/docs offline', () => {
    it.skip(`skipped: ${NO_CHROMIUM}`, () => {});
  });
}
let worker: RunningWorker;
let chromium: RunningBrowser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [worker, chromium] = await Promise.all([startWorker(), startBrowser()]);
});
afterAll(async () => {
  await Promise.all([chromium?.stop(), worker?.stop()]);
});

describe.skipIf(!HAS_CHROMIUM)('/docs offline', () => {
  it('renders the API reference with only the worker reachable, loading no script from another origin', async () => {
    const origin = new URL(worker.url).origin;
    const elsewhere: { type: string; url: string }[] = [];
    const scripts: string[] = [];
    // No internet: the worker's origin answers, anything else fails as an unreachable host would.
    await chromium.context.route('**/*', (route) => {
      const request = route.request();
      if (request.resourceType() === 'script') scripts.push(request.url());
      if (new URL(request.url()).origin === origin) return route.continue();
      elsewhere.push({ type: request.resourceType(), url: request.url() });
      return route.abort('internetdisconnected');
    });
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      const response = await page.goto(`${worker.url}/docs`);
      expect(response?.status()).toBe(200);
      // Rendered from /openapi.json: the document's title, its routes, and the image endpoints' group.
      await page.getByRole('heading', { name: 'pretext' }).first().waitFor({ timeout: 30_000 });
      await page.getByText('/v1/models/{name}/{file}').first().waitFor();
      await page.getByText('models', { exact: true }).first().click();
      await page.getByText('Embed images').first().waitFor();
      expect(await page.getByText('Ask AI').count()).toBe(0);
      // The one script is the pinned bundle from the worker's own static assets.
      expect(scripts).toEqual([`${origin}${API_REFERENCE_SCRIPT}`]);
      expect(elsewhere.filter((r) => r.type === 'script')).toEqual([]);
      expect(elsewhere).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await chromium.context.unrouteAll();
    }
  });
});
