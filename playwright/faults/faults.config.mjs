// Fault-injection tier: real network faults (nftables in a router namespace,
// tc, killed processes) between browsers in their own network namespaces.
// Root only. Run through `scripts/test faults`, or by hand after scripts/build:
//   node_modules/.bin/playwright test --config playwright/faults/faults.config.mjs
// See playwright/README.md "Fault-injection tier".
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  testDir: here('.'),
  testMatch: '**/*.spec.mjs',
  outputDir: here('../test-results/faults'),
  globalSetup: here('./global-setup.mjs'),
  // Each test runs two browsers, the server and timed faults: one at a time.
  workers: 1,
  fullyParallel: false,
  // No retries, in CI or anywhere: a test that needs one is a bug to fix.
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 150_000,
  expect: { timeout: 20_000 },
});
