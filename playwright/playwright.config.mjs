// Playwright end-to-end tier of rtcroom: real browsers (Debian's Chromium),
// the real signaling server binary, the built npm package.
//
// Run from the repository root inside a loopback-only network namespace:
//   unshare -n sh -c 'ip link set lo up && exec node_modules/.bin/playwright test --config playwright/playwright.config.mjs'
import { tierConfig } from './tier-config.mjs';
// The launch preset rtcroom/playwright ships (js/playwright.js).
import { CHROMIUM_ARGS as PRESET_ARGS } from '../js/playwright.js';

export const CHROMIUM_ARGS = [...PRESET_ARGS];

export default tierConfig(new URL('.', import.meta.url), {
  testDir: './specs',
  // 2 cores: one browser per worker, each test runs 2–3 contexts of it.
  workers: 2,
  timeout: 90_000,
});
