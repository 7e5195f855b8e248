// `sfu_switch_ms`: how long a subscriber of a Janus VideoRoom waits, after
// asking for another simulcast layer, for the first frame at the new width;
// rtcroom (adaptive stream: `setVideoSize`, the core re-sends an unconfirmed
// switch every 400 ms) against a plain janus.js-style subscriber (one
// `configure`, never re-sent), same publisher, same Janus, same run.
//
// Runs inside the namespace scripts/janus-test makes (Janus on
// RTCROOM_JANUS_URL): `scripts/janus-test --run node bench/sfu_switch.mjs`
// (scripts/bench does this). Writes SFU_SWITCH_OUT (default
// bench/results/sfu_switch.json); scripts/bench merges it into latest.json.
//
// Env: SFU_SWITCHES=N switches per implementation (default 24),
//      SFU_SWITCH_GAPS_MS pauses after each completed switch, cycled
//      (default 150,1000,250,600: some switches follow the previous one's
//      key frame request within ~300 ms, when Janus may drop the new one).
import { chromium } from '@playwright/test';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchOptions } from '../js/playwright.js';
import { startServer } from '../playwright/global-setup.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const JANUS = process.env.RTCROOM_JANUS_URL;
const ROOM = 1240;
const SWITCHES = Number(process.env.SFU_SWITCHES || 24);
const GAPS = (process.env.SFU_SWITCH_GAPS_MS || '150,1000,250,600').split(',').map(Number);
const LIMIT = 12_000;
const STALL = 1_000;
const WIDTHS = [320, 640, 1280];
// Each switch changes the layer: low, high, mid, low, high, mid, …
const TARGETS = Array.from({ length: SWITCHES }, (_, i) => [0, 2, 1][i % 3]);
const OUT = process.env.SFU_SWITCH_OUT || path.join(repo, 'bench/results/sfu_switch.json');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function summary(samples) {
  const times = samples.map((t) => (t === null ? LIMIT : t)).sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  const r = (x) => Math.round(x * 10) / 10;
  return {
    n: times.length,
    median_ms: r(q(0.5)),
    p95_ms: r(q(0.95)),
    max_ms: r(times[times.length - 1]),
    stalls_over_1s: samples.filter((t) => t === null || t > STALL).length,
    timed_out: samples.filter((t) => t === null).length,
    samples_ms: samples.map((t) => (t === null ? null : r(t))),
  };
}

async function newPage(browser, url) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page };
}

async function run() {
  if (!JANUS) throw new Error('RTCROOM_JANUS_URL is not set: run through scripts/janus-test --run');
  const outDir = path.join(repo, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const mounts = [`/pkg=${path.join(repo, 'pkg')}`, `/sfu=${path.join(repo, 'playwright/sfu/pages')}`, `/bench=${path.join(repo, 'bench/pages')}`];
  // The server's log goes under target/ (bench/results/server.log is the setup bench's).
  const { baseURL, stop } = await startServer(mounts, path.join(repo, 'target/sfu-bench'));
  const browser = await chromium.launch(launchOptions({ executablePath: '/usr/bin/chromium' }));
  try {
    const q = new URLSearchParams({ janus: JANUS, room: String(ROOM), name: 'pub', width: '1280', height: '720' });
    const pub = await newPage(browser, `${baseURL}/sfu/sfu.html?${q}`);
    await pub.page.waitForFunction(() => window.rt?.joined || window.rt?.error, null, { timeout: 30_000 });
    const pubId = await pub.page.evaluate(() => window.rt.error ? Promise.reject(new Error(window.rt.error.message)) : window.rt.id);
    // All three layers flowing before any subscriber.
    await pub.page.waitForFunction(async () => (await window.rt.outbound()).f?.width === 1280, null, { timeout: 30_000, polling: 250 });

    const results = {};
    for (const impl of ['rtcroom', 'baseline']) {
      const url = impl === 'rtcroom'
        ? `${baseURL}/bench/sfu-rtcroom.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM) })}`
        : `${baseURL}/bench/janus-baseline.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM), feed: pubId })}`;
      const sub = await newPage(browser, url);
      const handle = impl === 'rtcroom' ? 'bench' : 'baseline';
      await sub.page.waitForFunction((h) => window[h]?.ready || window[h]?.error, handle, { timeout: 30_000 });
      await sub.page.waitForFunction((h) => window[h].video.videoWidth > 0, handle, { timeout: 30_000 });
      await sleep(2000);
      const samples = [];
      for (const [i, target] of TARGETS.entries()) {
        const width = WIDTHS[target];
        const t = impl === 'rtcroom'
          ? await sub.page.evaluate(([w, l]) => window.bench.switchTo(w, (w * 9) / 16, w, l), [width, LIMIT])
          : await sub.page.evaluate(([s, w, l]) => window.baseline.switchTo(s, w, l), [target, width, LIMIT]);
        samples.push(t);
        await sleep(GAPS[i % GAPS.length]);
      }
      results[impl] = summary(samples);
      if (impl === 'rtcroom') await sub.page.evaluate(() => window.bench.room.leave()).catch(() => {});
      await sub.context.close();
    }
    await pub.page.evaluate(() => window.rt.room.leave()).catch(() => {});
    const out = {
      sfu_switch_ms: {
        what: 'layer switch request -> first frame at the new width (requestVideoFrameCallback), 1280x720 publisher, layers 320/640/1280, Janus 1.1 VideoRoom',
        switches: SWITCHES,
        gaps_ms: GAPS,
        stall_threshold_ms: STALL,
        rtcroom: results.rtcroom,
        baseline_janus_js_style: results.baseline,
        ratio_median: Math.round((results.rtcroom.median_ms / results.baseline.median_ms) * 100) / 100,
        ratio_p95: Math.round((results.rtcroom.p95_ms / results.baseline.p95_ms) * 100) / 100,
        goal: 'p95 <= 150 ms, 0 stalls',
      },
    };
    writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
    const row = (name, s) => `${name.padEnd(26)} ${String(s.median_ms).padStart(8)} ${String(s.p95_ms).padStart(8)} ${String(s.max_ms).padStart(8)} ${String(s.stalls_over_1s).padStart(7)}`;
    console.log(`\nsfu_switch_ms (${SWITCHES} switches each)\n${'implementation'.padEnd(26)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)} ${'stalls'.padStart(7)}`);
    console.log(row('rtcroom (re-send 400 ms)', results.rtcroom));
    console.log(row('janus.js-style (1 send)', results.baseline));
    console.log(`ratio rtcroom/baseline: median ${out.sfu_switch_ms.ratio_median}, p95 ${out.sfu_switch_ms.ratio_p95}\n-> ${OUT}`);
  } finally {
    await browser.close().catch(() => {});
    await stop();
  }
}

run().catch((e) => { console.error(e); process.exit(1); });
