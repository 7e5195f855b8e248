// Stand-alone reproductions of browser bugs the e2e tier ran into (not part
// of the tier). Same server and browser setup:
//   unshare -n sh -c 'ip link set lo up && exec node_modules/.bin/playwright test --config playwright/repro/repro.config.mjs'
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import base from '../playwright.config.mjs';

export default defineConfig({
  ...base,
  testDir: fileURLToPath(new URL('.', import.meta.url)),
  outputDir: fileURLToPath(new URL('../test-results/repro', import.meta.url)),
  workers: 1,
  timeout: 300_000,
});
