// Chromium ↔ Firefox calls against the real server: Chromium through
// Playwright (Debian's /usr/bin/chromium), Firefox ESR through
// selenium-webdriver + geckodriver (gecko.mjs). scripts/test runs it as the
// `firefox` tier inside a private network namespace:
//   source scripts/lib.sh; in_private_netns node_modules/.bin/playwright test --config playwright/firefox/firefox.config.mjs
import { tierConfig } from '../tier-config.mjs';

export default tierConfig(new URL('.', import.meta.url), {
  // Each test runs a Chromium and a Firefox: one at a time on 2 cores.
  workers: 1,
  timeout: 90_000,
});
