// What every Playwright tier of rtcroom shares: spec files `*.spec.mjs`
// under `testDir`, its own global setup (the real server), **no retries**
// in CI or anywhere (a test that needs one is a bug to fix), the list
// reporter, Debian's headless Chromium with the rtcroom/playwright launch
// preset, camera and microphone granted. Each tier passes what differs.
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { launchOptions } from '../js/playwright.js';

/**
 * `dir`: the tier's folder (`new URL('.', import.meta.url)`); `testDir`,
 * `outputDir` and `globalSetup` are relative to it. `use` extends the
 * shared browser settings; `null` drops them (a tier that launches its own).
 */
export function tierConfig(dir, { testDir = '.', outputDir = './test-results', globalSetup = './global-setup.mjs', use = {}, ...rest } = {}) {
  const here = (p) => fileURLToPath(new URL(p, dir));
  return defineConfig({
    testDir: here(testDir),
    testMatch: '**/*.spec.mjs',
    outputDir: here(outputDir),
    globalSetup: here(globalSetup),
    fullyParallel: false,
    retries: 0,
    forbidOnly: !!process.env.CI,
    reporter: 'list',
    expect: { timeout: 30_000 },
    ...rest,
    use: use === null ? undefined : {
      browserName: 'chromium',
      headless: true,
      launchOptions: launchOptions({ executablePath: '/usr/bin/chromium' }),
      permissions: ['camera', 'microphone'],
      trace: 'off',
      ...use,
    },
  });
}
