// Packaging tier, browser half: the Vite + React app and the plain
// import-map page built by tests/package/prepare from the npm tarball, served
// by the real rtcroom-server, in headless Debian Chromium (never
// `playwright install`). Run by `scripts/test package`.
import { tierConfig } from '../../playwright/tier-config.mjs';
import { CHROMIUM_ARGS } from '../../playwright/playwright.config.mjs';

export default tierConfig(new URL('.', import.meta.url), {
  testDir: './specs',
  outputDir: '../../target/package-test/results',
  workers: 1,
  timeout: 60_000,
  use: { launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
});
