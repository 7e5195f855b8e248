// Playwright against a real Janus: SFU rooms through rtcroom's Room API.
// Run by scripts/janus-test (the `sfu` tier of scripts/test) inside the
// namespace where it started Janus (RTCROOM_JANUS_URL); the global setup
// starts the rtcroom server only to serve the package and the test page.
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { launchOptions } from '../../js/playwright.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  testDir: here('.'),
  testMatch: '**/*.spec.mjs',
  outputDir: here('./test-results'),
  globalSetup: here('./global-setup.mjs'),
  // 2 cores, up to 4 contexts encoding simulcast: one test at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: launchOptions({ executablePath: '/usr/bin/chromium' }),
    permissions: ['camera', 'microphone'],
    viewport: { width: 1400, height: 900 },
    trace: 'off',
  },
});
