import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'test/contract/**/*.test.ts',
            'test/train/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/models/**/*.test.ts',
            'test/client/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Runs inside workerd (the real Workers runtime) with the bindings of wrangler.toml.
        // ORT's 14 MB wasm is sent to workerd once per test file, so worker tests live in few files.
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/support/worker-assets.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The demo page in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
        // against `wrangler dev`, both started and stopped by the test file.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          // One file at a time: each starts its own wrangler dev and Chromium; with two of each at once on
          // a 2-core machine the offline test once saw two panels fail after its offline reload.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
