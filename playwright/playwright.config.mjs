// Playwright end-to-end tier of rtcroom: real browsers (Debian's Chromium),
// the real signaling server binary, the built npm package.
//
// Run from the repository root inside a loopback-only network namespace:
//   unshare -n sh -c 'ip link set lo up && exec node_modules/.bin/playwright test --config playwright/playwright.config.mjs'
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
// The launch preset rtcroom/playwright ships (js/playwright.js).
import { CHROMIUM_ARGS as PRESET_ARGS, launchOptions } from '../js/playwright.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export const CHROMIUM_ARGS = [...PRESET_ARGS];

export default defineConfig({
  testDir: here('./specs'),
  testMatch: '**/*.spec.mjs',
  outputDir: here('./test-results'),
  globalSetup: here('./global-setup.mjs'),
  // 2 cores: one browser per worker, each test runs 2–3 contexts of it.
  workers: 2,
  fullyParallel: false,
  // No retries, in CI or anywhere: a test that needs one is a bug to fix.
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: launchOptions({ executablePath: '/usr/bin/chromium' }),
    permissions: ['camera', 'microphone'],
    trace: 'off',
  },
});
