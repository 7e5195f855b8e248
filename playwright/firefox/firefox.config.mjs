// Chromium ↔ Firefox calls against the real server: Chromium through
// Playwright (Debian's /usr/bin/chromium), Firefox ESR through
// selenium-webdriver + geckodriver (gecko.mjs). scripts/test runs it as the
// `firefox` tier inside a private network namespace:
//   source scripts/lib.sh; in_private_netns node_modules/.bin/playwright test --config playwright/firefox/firefox.config.mjs
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { launchOptions } from '../../js/playwright.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  testDir: here('.'),
  testMatch: '**/*.spec.mjs',
  outputDir: here('./test-results'),
  globalSetup: here('./global-setup.mjs'),
  // Each test runs a Chromium and a Firefox: one at a time on 2 cores.
  workers: 1,
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
