// `sfu_switch_ms`: how long a subscriber of a Janus VideoRoom waits, after
// asking for another simulcast layer, for the first frame at the new width;
// rtcroom (adaptive stream: `setVideoSize`; the core re-sends an unconfirmed
// switch and, when it is likely to wait for the publisher's key-frame
// interval, asks the rtcroom publisher for the key frame directly) against
// a plain janus.js-style subscriber (one `configure`, never re-sent), same
// publisher, same Janus, same run.
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
//      SFU_SWITCH_TRACE=1 also records where each switch's time goes (the
//      configures sent, Janus's `substream` event, the publisher's PLIs and
//      key frames per layer from its getStats polled every 10 ms, the frame's
//      receive time) and writes it under `trace` in the result; the polling
//      loads the machine, so figures to compare come from runs without it.
//      SFU_SCREEN_TRIALS=N (default 10; 0 skips): `sfu_screen_share_start_ms`,
//      publishScreen() → the first presented frame of that screen at another
//      participant, in VideoRoom 1245: each trial a fresh sharer (camera
//      published) and viewer, so each is a first share (its screen handle
//      attached and joined, its own connection), as the mesh figure is.
//      SFU_SWITCH_COMPARE_PKG=DIR also runs rtcroom from another build's pkg/
//      (e.g. the previous commit's) as `rtcroom_compare`, between the two,
//      against the same publisher: before/after in the same conditions;
//      SFU_SWITCH_ORDER (e.g. rtcroom_compare,rtcroom,baseline) orders them.
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
// The publisher's capture rate (a key frame waits for the next captured
// frame): a webcam's 30 fps by default. Chromium's fake camera runs at 20 fps
// unless told (`fps=` of its flag), and a 15 fps constraint on it delivers
// frames 50, 50, 100 ms apart; the flag sets the device to this rate.
const FPS = Number(process.env.SFU_SWITCH_FPS || 30);
const STALL = 1_000;
const WIDTHS = [320, 640, 1280];
// Each switch changes the layer: low, high, mid, low, high, mid, …
const TARGETS = Array.from({ length: SWITCHES }, (_, i) => [0, 2, 1][i % 3]);
const TRACE = process.env.SFU_SWITCH_TRACE === '1';
const COMPARE = process.env.SFU_SWITCH_COMPARE_PKG || '';
// SFU_SWITCH_ORDER=rtcroom_compare,rtcroom,baseline: the phases' order (the
// machine's load drifts: swap it between runs to see what is order).
const IMPLS = process.env.SFU_SWITCH_ORDER?.split(',')
  ?? (COMPARE ? ['rtcroom', 'rtcroom_compare', 'baseline'] : ['rtcroom', 'baseline']);
const OUT = process.env.SFU_SWITCH_OUT || path.join(repo, 'bench/results/sfu_switch.json');

const SCREEN_TRIALS = Number(process.env.SFU_SCREEN_TRIALS ?? 10);
const SCREEN_ROOM = 1245;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function summary(samples, withGaps = true) {
  const times = samples.map((t) => (t === null ? LIMIT : t)).sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  const r = (x) => Math.round(x * 10) / 10;
  const out = {
    n: times.length,
    median_ms: r(q(0.5)),
    p95_ms: r(q(0.95)),
    max_ms: r(times[times.length - 1]),
    stalls_over_1s: samples.filter((t) => t === null || t > STALL).length,
    timed_out: samples.filter((t) => t === null).length,
    samples_ms: samples.map((t) => (t === null ? null : r(t))),
  };
  if (!withGaps) return out;
  // By the pause before the switch (the first has none): after 150 ms the
  // publisher's previous key-frame request is usually < 300 ms old, and
  // Chromium produces no key frame on request until it is.
  const byGap = {};
  samples.forEach((t, i) => { if (i > 0) (byGap[GAPS[(i - 1) % GAPS.length]] ??= []).push(t); });
  out.by_gap_before = Object.fromEntries(Object.entries(byGap).map(([g, s]) => {
    const { n, median_ms, p95_ms, max_ms, stalls_over_1s } = summary(s, false);
    return [g, { n, median_ms, p95_ms, max_ms, stalls_over_1s }];
  }));
  return out;
}

// Publisher side of the trace: every change of a layer's PLI/FIR count or
// key frames encoded, stamped with the stats report's time (epoch ms).
async function startPublisherPoll(page) {
  await page.evaluate(() => {
    const log = (window.pubTrace = []);
    const last = {};
    const pc = window.rt.room.peerConnection('sfu-publisher');
    const sender = pc.getSenders().find((x) => x.track?.kind === 'video');
    let active = '';
    const limits = {};
    window.pubTraceTimer = setInterval(async () => {
      // What the SDK asks of the encoder (the ABR controller's decisions).
      const a = sender.getParameters().encodings.map((e) => `${e.rid}:${e.active ? 'on' : 'off'}`).join(' ');
      if (a !== active) log.push({ t: performance.timeOrigin + performance.now(), what: 'encodings', value: a });
      active = a;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
        const lim = `${s.qualityLimitationReason}/${s.frameWidth ?? 0}`;
        if (limits[s.rid] !== lim) log.push({ t: s.timestamp, rid: s.rid, what: 'limit', value: lim });
        limits[s.rid] = lim;
        const cur = { pli: s.pliCount ?? 0, fir: s.firCount ?? 0, key: s.keyFramesEncoded ?? 0 };
        const prev = last[s.rid];
        if (prev) {
          for (const k of ['pli', 'fir', 'key']) if (cur[k] > prev[k]) log.push({ t: s.timestamp, rid: s.rid, what: k, n: cur[k] - prev[k] });
        }
        last[s.rid] = cur;
      });
    }, 10);
  });
}

async function stopPublisherPoll(page) {
  return page.evaluate(() => { clearInterval(window.pubTraceTimer); return window.pubTrace; });
}

const RIDS = ['q', 'h', 'f'];
/** Per switch: ms from the request to each step (null: not seen before the frame). */
function breakdown(switches, pub, sends, events) {
  const r = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
  return switches.map((sw, i) => {
    const { t0, presented, receive, target } = sw;
    const end = presented ?? t0 + LIMIT;
    const next = switches[i + 1]?.t0 ?? Infinity;
    const within = (e) => e.t >= t0 && e.t <= end;
    const firstAfter = (list) => list.find((e) => e.t >= t0 && e.t < next) ?? null;
    const pli = firstAfter(pub.filter((e) => e.what === 'pli' || e.what === 'fir'));
    const key = firstAfter(pub.filter((e) => e.what === 'key' && e.rid === RIDS[target]));
    const ev = firstAfter(events.filter((e) => e.substream === target));
    return {
      target,
      total_ms: presented === null ? null : r(presented - t0),
      sends: sends.filter(within).map((e) => r(e.t - t0)),
      publisher_pli_ms: pli ? r(pli.t - t0) : null,
      publisher_keyframe_ms: key ? r(key.t - t0) : null,
      publisher_keyframes_all_layers: pub.filter((e) => e.what === 'key' && within(e)).map((e) => `${e.rid}@${r(e.t - t0)}`),
      janus_event_ms: ev ? r(ev.t - t0) : null,
      frame_received_ms: receive === null ? null : r(receive - t0),
      subscriber_plis: sw.subPli,
      publisher_changes: pub.filter((e) => (e.what === 'encodings' || e.what === 'limit') && e.t >= t0 && e.t < next)
        .map((e) => `${r(e.t - t0)} ${e.rid ?? ''} ${e.value}`),
      gap_before_ms: i === 0 ? null : r(t0 - (switches[i - 1].presented ?? switches[i - 1].t0)),
    };
  });
}

/** One first screen share in a fresh SFU call: ms from publishScreen() to the viewer's first presented frame of it, or null. */
async function screenTrial(browser, baseURL) {
  const q = (extra) => new URLSearchParams({ janus: JANUS, room: String(SCREEN_ROOM), width: '640', height: '360', ...extra });
  const sharer = await newPage(browser, `${baseURL}/sfu/sfu.html?${q({ name: 'sharer' })}`);
  const viewer = await newPage(browser, `${baseURL}/sfu/sfu.html?${q({ name: 'viewer', publish: '0' })}`);
  try {
    for (const p of [sharer, viewer]) {
      await p.page.waitForFunction(() => window.rt?.joined || window.rt?.error, null, { timeout: 30_000 });
      const error = await p.page.evaluate(() => window.rt.error);
      if (error) throw new Error(`${error.code}: ${error.message}`);
    }
    const id = await sharer.page.evaluate(() => window.rt.id);
    // In the call: the viewer shows the sharer's camera.
    await viewer.page.waitForFunction((i) => window.rt.video[i] && document.querySelector(`video[data-participant="${i}"]`)?.videoWidth > 0, id, { timeout: 30_000 });
    await sleep(500);
    // The viewer stamps the first presented frame of the screen track (epoch ms).
    await viewer.page.evaluate(() => {
      window.rt.room.on('track', ({ stream, source }) => {
        if (source !== 'screen' || window.screenFirstFrame !== undefined) return;
        window.screenFirstFrame = null;
        const v = Object.assign(document.createElement('video'), { muted: true, playsInline: true, srcObject: stream });
        document.body.append(v);
        v.play().catch(() => {});
        v.requestVideoFrameCallback(() => { window.screenFirstFrame = performance.timeOrigin + performance.now(); });
      });
    });
    const start = await sharer.page.evaluate(async () => {
      const t0 = performance.timeOrigin + performance.now();
      await window.rt.room.publishScreen();
      return t0;
    });
    const h = await viewer.page.waitForFunction(() => window.screenFirstFrame, null, { timeout: LIMIT, polling: 20 });
    return (await h.jsonValue()) - start;
  } catch (e) {
    console.error(`  sfu screen share: ${e.message.split('\n')[0]}`);
    return null;
  } finally {
    for (const p of [viewer, sharer]) {
      await p.page.evaluate(() => window.rt.room?.leave()).catch(() => {});
      await p.context.close().catch(() => {});
    }
  }
}

/** Waits (up to 30 s) until the publisher's top layer is sent at 1280 and its bytes grow; the ms it took. */
async function topLayerFlowing(page) {
  const t0 = Date.now();
  for (;;) {
    const a = await page.evaluate(() => window.rt.outbound());
    await sleep(300);
    const b = await page.evaluate(() => window.rt.outbound());
    if (b.f?.width === 1280 && b.f.bytes > (a.f?.bytes ?? 0)) return Date.now() - t0;
    if (Date.now() - t0 > 30_000) throw new Error(`the publisher's top layer is not flowing: ${JSON.stringify(b)}`);
  }
}

/** A page at `url` in a fresh context of `browser` (camera and microphone allowed); `{ context, page }`. Shared by the SFU benches. */
export async function newPage(browser, url) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page };
}

async function run() {
  if (!JANUS) throw new Error('RTCROOM_JANUS_URL is not set: run through scripts/janus-test --run');
  const outDir = path.join(repo, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const mounts = [`/pkg=${path.join(repo, 'pkg')}`, `/sfu=${path.join(repo, 'playwright/sfu/pages')}`, `/bench=${path.join(repo, 'bench/pages')}`];
  if (COMPARE) mounts.push(`/compare/pkg=${path.resolve(COMPARE)}`, `/compare/bench=${path.join(repo, 'bench/pages')}`);
  // The server's log goes under target/ (bench/results/server.log is the setup bench's).
  const { baseURL, stop } = await startServer(mounts, path.join(repo, 'target/sfu-bench'));
  const browser = await chromium.launch(launchOptions({ executablePath: '/usr/bin/chromium', args: [`--use-fake-device-for-media-stream=fps=${FPS}`] }));
  try {
    const q = new URLSearchParams({ janus: JANUS, room: String(ROOM), name: 'pub', width: '1280', height: '720', fps: String(FPS) });
    const pub = await newPage(browser, `${baseURL}/sfu/sfu.html?${q}`);
    await pub.page.waitForFunction(() => window.rt?.joined || window.rt?.error, null, { timeout: 30_000 });
    const pubId = await pub.page.evaluate(() => window.rt.error ? Promise.reject(new Error(window.rt.error.message)) : window.rt.id);
    // All three layers flowing before any subscriber.
    await pub.page.waitForFunction(async () => (await window.rt.outbound()).f?.width === 1280, null, { timeout: 30_000, polling: 250 });

    const results = {};
    for (const impl of IMPLS) {
      // Each phase starts with the publisher sending its top layer (under
      // CPU load Chromium's bandwidth estimate may suspend it for seconds:
      // a switch up then waits for the layer, not for the switch). Stalls
      // during the phase still count.
      const waited = await topLayerFlowing(pub.page);
      const tr = TRACE ? { trace: '1' } : {};
      const sdk = impl.startsWith('rtcroom');
      const url = sdk
        ? `${baseURL}/${impl === 'rtcroom' ? '' : 'compare/'}bench/sfu-rtcroom.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM), ...tr })}`
        : `${baseURL}/bench/janus-baseline.html?${new URLSearchParams({ janus: JANUS, room: String(ROOM), feed: pubId, ...tr })}`;
      const sub = await newPage(browser, url);
      const handle = sdk ? 'bench' : 'baseline';
      await sub.page.waitForFunction((h) => window[h]?.ready || window[h]?.error, handle, { timeout: 30_000 });
      await sub.page.waitForFunction((h) => window[h].video.videoWidth > 0, handle, { timeout: 30_000 });
      await sleep(2000);
      if (TRACE) await startPublisherPoll(pub.page);
      const subPc = sdk ? () => window.bench.room.peerConnection('sfu-subscriber') : () => window.baseline.pc;
      const samples = [];
      const shown = [];
      const switches = [];
      for (const [i, target] of TARGETS.entries()) {
        const width = WIDTHS[target];
        const before = TRACE ? await sub.page.evaluate(`window.switchTrace.inbound((${subPc})())`) : null;
        const t = sdk
          ? await sub.page.evaluate(([w, l]) => window.bench.switchTo(w, (w * 9) / 16, w, l), [width, LIMIT])
          : await sub.page.evaluate(([s, w, l]) => window.baseline.switchTo(s, w, l), [target, width, LIMIT]);
        samples.push(t);
        // The frame's receive time (its last packet) to its presentation:
        // the receiving browser's part of the switch. Read within the pause.
        const read = Date.now();
        const last = await sub.page.evaluate(() => window.lastSwitch);
        if (last.presented !== null && last.receive !== null) shown.push(last.presented - last.receive);
        if (TRACE) {
          const after = await sub.page.evaluate(`window.switchTrace.inbound((${subPc})())`);
          switches.push({ ...last, target, subPli: after.pliCount + after.firCount - before.pliCount - before.firCount });
        }
        await sleep(Math.max(0, GAPS[i % GAPS.length] - (Date.now() - read)));
      }
      const { median_ms, p95_ms } = summary(shown, false);
      results[impl] = { ...summary(samples), received_to_presented_ms: { median: median_ms, p95: p95_ms }, waited_for_top_layer_ms: waited };
      if (TRACE) {
        const pubLog = await stopPublisherPoll(pub.page);
        const { sends, events } = await sub.page.evaluate(() => window.switchTrace);
        results[impl].trace = breakdown(switches, pubLog, sends, events);
        results[impl].trace_raw = { switches, publisher: pubLog, sends, events };
      }
      if (sdk) await sub.page.evaluate(() => window.bench.room.leave()).catch(() => {});
      await sub.context.close();
    }
    await pub.page.evaluate(() => window.rt.room.leave()).catch(() => {});
    await pub.context.close().catch(() => {});

    const screenSamples = [];
    for (let i = 0; i < SCREEN_TRIALS; i++) {
      const t = await screenTrial(browser, baseURL);
      console.error(`sfu screen share ${i + 1}/${SCREEN_TRIALS}: ${t === null ? 'FAILED' : `${t.toFixed(1)} ms`}`);
      if (t !== null) screenSamples.push(t);
    }
    const sorted = [...screenSamples].sort((a, b) => a - b);
    const pick = (p) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] * 10) / 10 : null);
    const out = {
      sfu_switch_ms: {
        what: 'layer switch request -> first frame at the new width (requestVideoFrameCallback), 1280x720 publisher, layers 320/640/1280, Janus 1.1 VideoRoom',
        switches: SWITCHES,
        gaps_ms: GAPS,
        stall_threshold_ms: STALL,
        rtcroom: results.rtcroom,
        ...(COMPARE ? { rtcroom_compare: { pkg: COMPARE, ...results.rtcroom_compare } } : {}),
        baseline_janus_js_style: results.baseline,
        ratio_median: Math.round((results.rtcroom.median_ms / results.baseline.median_ms) * 100) / 100,
        ratio_p95: Math.round((results.rtcroom.p95_ms / results.baseline.p95_ms) * 100) / 100,
        goal: 'p95 <= 150 ms, 0 stalls',
      },
      ...(SCREEN_TRIALS > 0 ? {
        sfu_screen_share_start_ms: {
          what: 'publishScreen() -> first presented frame of that screen at another participant (requestVideoFrameCallback, epoch clocks of one browser), a first share in a fresh call, Janus 1.1 VideoRoom',
          trials: SCREEN_TRIALS,
          failures: SCREEN_TRIALS - screenSamples.length,
          rtcroom: { median: pick(0.5), p95: pick(0.95), min: sorted[0] ?? null, max: sorted[sorted.length - 1] ?? null, samples: screenSamples.map((x) => Math.round(x * 10) / 10) },
        },
      } : {}),
    };
    writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
    const row = (name, s) => `${name.padEnd(26)} ${String(s.median_ms).padStart(8)} ${String(s.p95_ms).padStart(8)} ${String(s.max_ms).padStart(8)} ${String(s.stalls_over_1s).padStart(7)} ${String(s.received_to_presented_ms.median).padStart(10)}`;
    console.log(`\nsfu_switch_ms (${SWITCHES} switches each)\n${'implementation'.padEnd(26)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)} ${'stalls'.padStart(7)} ${'recv→shown'.padStart(10)}`);
    console.log(row('rtcroom', results.rtcroom));
    if (COMPARE) console.log(row('rtcroom (compare pkg)', results.rtcroom_compare));
    console.log(row('janus.js-style (1 send)', results.baseline));
    for (const g of GAPS) {
      console.log(`  after a ${g} ms pause: rtcroom ${JSON.stringify(results.rtcroom.by_gap_before[g])}`);
      console.log(`  ${' '.repeat(String(g).length + 16)}janus.js-style ${JSON.stringify(results.baseline.by_gap_before[g])}`);
    }
    if (TRACE) {
      for (const impl of IMPLS) {
        console.log(`\n${impl}: per switch, ms after the request (sends; publisher PLI, key frame on the target layer; Janus event; frame received; presented)`);
        for (const b of results[impl].trace) {
          console.log(`  ->${b.target} gap ${String(b.gap_before_ms).padStart(6)}  sends [${b.sends.join(',')}]  pli ${b.publisher_pli_ms}  key ${b.publisher_keyframe_ms}  event ${b.janus_event_ms}  recv ${b.frame_received_ms}  shown ${b.total_ms}  subPLI ${b.subscriber_plis}  keys ${b.publisher_keyframes_all_layers.join(' ')}`);
          if (b.publisher_changes.length) console.log(`      publisher: ${b.publisher_changes.join('; ')}`);
        }
      }
    }
    console.log(`ratio rtcroom/baseline: median ${out.sfu_switch_ms.ratio_median}, p95 ${out.sfu_switch_ms.ratio_p95}`);
    if (out.sfu_screen_share_start_ms) {
      const r = out.sfu_screen_share_start_ms.rtcroom;
      console.log(`sfu screen share start (publishScreen -> first remote frame, ${screenSamples.length}/${SCREEN_TRIALS} trials): median ${r.median} ms, p95 ${r.p95} ms, min ${r.min?.toFixed(1)}, max ${r.max?.toFixed(1)}`);
    }
    console.log(`-> ${OUT}`);
  } finally {
    await browser.close().catch(() => {});
    await stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().catch((e) => { console.error(e); process.exit(1); });
}
