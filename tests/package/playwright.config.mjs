// Packaging tier, browser half: the Vite + React app and the plain
// import-map page built by tests/package/prepare from the npm tarball, served
// by the real rtcroom-server, in headless Debian Chromium (never
// `playwright install`). Run by `scripts/test package`.
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from '../../playwright/playwright.config.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  testDir: here('./specs'),
  testMatch: '**/*.spec.mjs',
  outputDir: here('../../target/package-test/results'),
  globalSetup: here('./global-setup.mjs'),
  workers: 1,
  // No retries, in CI or anywhere: a test that needs one is a bug to fix.
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 30_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    permissions: ['camera', 'microphone'],
    trace: 'off',
  },
});
