// `sfu_recovery`: a subscriber's media path to Janus dies for B seconds
// (every UDP packet to or from the Janus port of that subscriber's
// connection dropped; the publisher and the WebSocket are untouched), then
// comes back. rtcroom's subscriber (its own stall detection and ICE
// restarts through Janus's restart offer) against a plain janus.js-style
// subscriber (the browser alone: no restart), interleaved, same publisher,
// same Janus, same run. Per trial: detection (blackhole → rtcroom's
// `participant-state reconnecting`), restore → first new presented frame
// (requestVideoFrameCallback), and whether video came back within
// SFU_RECOVERY_DEADLINE_MS of the restore.
//
// Runs inside the namespace scripts/janus-test makes:
//   scripts/janus-test --run node bench/sfu_recovery.mjs
// Env: SFU_RECOVERY_TRIALS (3 per blackhole and implementation),
//      SFU_RECOVERY_BLACKHOLES ("5,40" seconds), SFU_RECOVERY_DEADLINE_MS (20000),
//      SFU_RECOVERY_OUT (bench/results/sfu_recovery.json).
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchOptions } from '../js/playwright.js';
import { startServer } from '../playwright/global-setup.mjs';
import { newPage } from './sfu_switch.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const JANUS = process.env.RTCROOM_JANUS_URL;
const ROOM = 1250;
const TRIALS = Number(process.env.SFU_RECOVERY_TRIALS || 3);
const BLACKHOLES = (process.env.SFU_RECOVERY_BLACKHOLES || '5,40').split(',').map(Number).filter((x) => x > 0);
const DEADLINE = Number(process.env.SFU_RECOVERY_DEADLINE_MS || 20_000);
const OUT = process.env.SFU_RECOVERY_OUT || path.join(repo, 'bench/results/sfu_recovery.json');
const TABLE = 'rtcroom_sfu_recovery';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function blackhole(port) {
  execFileSync('nft', ['-f', '-'], {
    input: `table inet ${TABLE} {\n chain input {\n  type filter hook input priority 0; policy accept;\n  udp sport ${port} drop\n  udp dport ${port} drop\n }\n}\n`,
  });
}
const restore = () => execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' });


/** Logs every presented frame of `video` (epoch ms) into window.presented. */
async function logFrames(page, videoExpr) {
  await page.evaluate((expr) => {
    const video = eval(expr); // eslint-disable-line no-eval
    window.presented = [];
    const step = () => { window.presented.push(performance.timeOrigin + performance.now()); video.requestVideoFrameCallback(step); };
    video.requestVideoFrameCallback(step);
  }, videoExpr);
}

/** Janus's port of the selected candidate pair of `pcExpr`. */
async function janusPort(page, pcExpr) {
  return page.evaluate(async (expr) => {
    const pc = eval(expr); // eslint-disable-line no-eval
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
    const pair = pairId && stats.get(pairId);
    const remote = pair && stats.get(pair.remoteCandidateId);
    return remote?.port ?? null;
  }, pcExpr);
}

async function trial(browser, baseURL, impl, pubId, seconds) {
  const sdk = impl === 'rtcroom';
  const url = sdk
    ? `${baseURL}/bench/sfu-rtcroom.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM) })}`
    : `${baseURL}/bench/janus-baseline.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM), feed: pubId })}`;
  const sub = await newPage(browser, url);
  const handle = sdk ? 'bench' : 'baseline';
  const pcExpr = sdk ? "window.bench.room.peerConnection('sfu-subscriber')" : 'window.baseline.pc';
  try {
    await sub.page.waitForFunction((h) => window[h]?.ready || window[h]?.error, handle, { timeout: 30_000 });
    await sub.page.waitForFunction((h) => window[h].video.videoWidth > 0, handle, { timeout: 30_000 });
    if (sdk) {
      await sub.page.evaluate(() => {
        window.lost = null;
        window.bench.room.on('participant-state', ({ state }) => {
          if (state === 'reconnecting' && window.lost === null) window.lost = performance.timeOrigin + performance.now();
        });
      });
    }
    await logFrames(sub.page, `window.${handle}.video`);
    await sleep(2000);
    const port = await janusPort(sub.page, pcExpr);
    if (!port) throw new Error('no selected candidate pair');
    const t0 = now();
    blackhole(port);
    try {
      await sleep(seconds * 1000);
    } finally {
      restore();
    }
    const back = now();
    let first = null;
    while (now() - back < DEADLINE) {
      first = await sub.page.evaluate((b) => window.presented.find((t) => t > b + 1) ?? null, back);
      if (first !== null) break;
      await sleep(50);
    }
    const lost = sdk ? await sub.page.evaluate(() => window.lost) : null;
    return {
      detection_ms: lost === null ? null : Math.round(lost - t0),
      restore_to_frame_ms: first === null ? null : Math.round(first - back),
      recovered: first !== null,
    };
  } finally {
    if (sdk) await sub.page.evaluate(() => window.bench.room.leave()).catch(() => {});
    await sub.context.close().catch(() => {});
  }
}

const median = (xs) => { const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b); if (!s.length) return null; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p95 = (xs) => { const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b); return s.length ? s[Math.max(1, Math.ceil(0.95 * s.length)) - 1] : null; };

async function run() {
  if (!JANUS) throw new Error('RTCROOM_JANUS_URL is not set: run through scripts/janus-test --run');
  mkdirSync(path.dirname(OUT), { recursive: true });
  const mounts = [`/pkg=${path.join(repo, 'pkg')}`, `/sfu=${path.join(repo, 'playwright/sfu/pages')}`, `/bench=${path.join(repo, 'bench/pages')}`];
  const { baseURL, stop } = await startServer(mounts, path.join(repo, 'target/sfu-recovery-bench'));
  const browser = await chromium.launch(launchOptions({ executablePath: '/usr/bin/chromium' }));
  const out = { what: 'a subscriber\'s UDP to and from its Janus port dropped for B s: detection (rtcroom participant-state reconnecting), restore -> first presented frame, recovered within the deadline', deadline_ms: DEADLINE, blackholes: {} };
  try {
    const q = new URLSearchParams({ janus: JANUS, room: String(ROOM), name: 'pub', width: '640', height: '360' });
    const pub = await newPage(browser, `${baseURL}/sfu/sfu.html?${q}`);
    await pub.page.waitForFunction(() => window.rt?.joined || window.rt?.error, null, { timeout: 30_000 });
    const pubId = await pub.page.evaluate(() => window.rt.error ? Promise.reject(new Error(window.rt.error.message)) : window.rt.id);
    for (const seconds of BLACKHOLES) {
      const res = { rtcroom: [], baseline: [] };
      for (let i = 0; i < TRIALS; i++) {
        for (const impl of i % 2 ? ['baseline', 'rtcroom'] : ['rtcroom', 'baseline']) {
          const r = await trial(browser, baseURL, impl, pubId, seconds);
          console.error(`${seconds} s blackhole, ${impl} ${i + 1}/${TRIALS}: ${JSON.stringify(r)}`);
          res[impl].push(r);
        }
      }
      const sum = (rs) => ({
        recovered: `${rs.filter((r) => r.recovered).length}/${rs.length}`,
        detection_ms: { median: median(rs.map((r) => r.detection_ms)), p95: p95(rs.map((r) => r.detection_ms)) },
        restore_to_frame_ms: { median: median(rs.map((r) => r.restore_to_frame_ms)), p95: p95(rs.map((r) => r.restore_to_frame_ms)) },
        trials: rs,
      });
      out.blackholes[`${seconds}s`] = { rtcroom: sum(res.rtcroom), baseline_janus_js_style: sum(res.baseline) };
    }
    await pub.page.evaluate(() => window.rt.room.leave()).catch(() => {});
    await pub.context.close().catch(() => {});
  } finally {
    await browser.close().catch(() => {});
    await stop();
  }
  writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
  console.log('\nsfu_recovery (subscriber path blackholed, then restored)');
  console.log(`${'blackhole'.padEnd(10)} ${'impl'.padEnd(26)} ${'recovered'.padStart(9)} ${'detect med'.padStart(10)} ${'frame med'.padStart(10)} ${'frame p95'.padStart(10)}`);
  for (const [b, r] of Object.entries(out.blackholes)) {
    for (const [impl, s] of Object.entries(r)) {
      console.log(`${b.padEnd(10)} ${impl.padEnd(26)} ${s.recovered.padStart(9)} ${String(s.detection_ms.median ?? '-').padStart(10)} ${String(s.restore_to_frame_ms.median ?? '-').padStart(10)} ${String(s.restore_to_frame_ms.p95 ?? '-').padStart(10)}`);
    }
  }
  console.log(`-> ${OUT}`);
}

run().catch((e) => { console.error(e); process.exit(1); });
