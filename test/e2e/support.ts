// The e2e harness: the real worker under `wrangler dev` on a free 127.0.0.1 port, and Debian's
// headless Chromium driven by playwright-core. Both are started per test file and stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const REPO_ROOT = join(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningWorker {
  url: string;
  stop(): Promise<void>;
}

/** `wrangler dev` (which first runs the demo build of wrangler.toml's [build]); resolves once it is ready. */
export async function startWorker(timeoutMs = 60_000): Promise<RunningWorker> {
  // PRETEXT_DEMO_URL points the tests at a worker that is already running (e.g. one with more models).
  const external = process.env['PRETEXT_DEMO_URL'];
  if (external) return { url: external, stop: async () => undefined };
  const [port, inspector] = [await freePort(), await freePort()];
  const bin = join(REPO_ROOT, 'node_modules/.bin');
  const child: ChildProcess = spawn(
    join(bin, 'wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--show-interactive-dev-session=false',
      '--log-level',
      'info',
    ],
    {
      cwd: REPO_ROOT,
      // its own process group, so that stop() also ends the workerd it starts
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        WRANGLER_SEND_METRICS: 'false',
        CI: '1',
      },
    },
  );
  let log = '';
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`wrangler dev was not ready in ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code}:\n${log}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}

export interface RunningBrowser {
  context: BrowserContext;
  stop(): Promise<void>;
}

/**
 * Chromium with a fresh --user-data-dir (playwright passes it as launchPersistentContext's first
 * argument). Service workers are blocked unless asked for: playwright's request routing does not see
 * requests that a service worker answers.
 */
export async function startBrowser(
  options: { serviceWorkers?: 'allow' | 'block'; viewport?: { width: number; height: number } } = {},
): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'pretext-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    serviceWorkers: options.serviceWorkers ?? 'block',
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  return {
    context,
    stop: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `path` and waits until the page has drawn its panels. */
export async function openDemo(context: BrowserContext, baseUrl: string, path = '/'): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${baseUrl}${path}`);
  await page.waitForFunction(() => window.__pretext?.panels.length > 0, undefined, { timeout: 20_000 });
  await idle(page);
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  return page;
}

export function idle(page: Page): Promise<void> {
  return page.evaluate(() => window.__pretext.idle());
}

/** Draws a stroke through `points` (fractions of the canvas) with mouse events. */
export async function drawStroke(page: Page, points: readonly [number, number][]): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('the drawing canvas is not visible');
  const at = ([x, y]: readonly [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  const [first, ...rest] = points;
  await page.mouse.move(...at(first!));
  await page.mouse.down();
  for (const point of rest) await page.mouse.move(...at(point), { steps: 4 });
  await page.mouse.up();
}
