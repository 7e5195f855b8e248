// Playwright against a real Janus: SFU rooms through rtcroom's Room API.
// Run by scripts/janus-test (the `sfu` tier of scripts/test) inside the
// namespace where it started Janus (RTCROOM_JANUS_URL); the global setup
// starts the rtcroom server only to serve the package and the test page.
import { tierConfig } from '../tier-config.mjs';

export default tierConfig(new URL('.', import.meta.url), {
  // 2 cores, up to 4 contexts encoding simulcast: one test at a time.
  workers: 1,
  timeout: 120_000,
  use: { viewport: { width: 1400, height: 900 } },
});
