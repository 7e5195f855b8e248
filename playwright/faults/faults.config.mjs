// Fault-injection tier: real network faults (nftables in a router namespace,
// tc, killed processes) between browsers in their own network namespaces.
// Root only. Run through `scripts/test faults`, or by hand after scripts/build:
//   node_modules/.bin/playwright test --config playwright/faults/faults.config.mjs
// See playwright/README.md "Fault-injection tier".
import { tierConfig } from '../tier-config.mjs';

export default tierConfig(new URL('.', import.meta.url), {
  outputDir: '../test-results/faults',
  // Each test runs two browsers, the server and timed faults: one at a time.
  workers: 1,
  timeout: 150_000,
  expect: { timeout: 20_000 },
  // The tests launch their browsers themselves, inside namespaces.
  use: null,
});
