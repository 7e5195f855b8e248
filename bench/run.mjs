// rtcroom benchmark: call setup time (join → first remote video frame) of
// rtcroom against a plain-JavaScript baseline, and the gzip size of the
// bundle. Run through scripts/bench (which builds and enters a loopback-only
// network namespace); see bench/README.md.
//
// Env: BENCH_TRIALS (default 20), BENCH_TIMEOUT_MS per trial (default 8000),
//      BENCH_OUT (default bench/results/latest.json), BENCH_DETAILS=FILE (every
//      trial's marks, for digging into a result).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRIALS = intEnv('BENCH_TRIALS', 20);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 8000);
const OUT = process.env.BENCH_OUT || path.join(ROOT, 'bench/results/latest.json');
// rtcroom and the baseline always; `baseline-shaped` (a control) on request.
const IMPLS = (process.env.BENCH_IMPLS || 'rtcroom,baseline').split(',').map((s) => s.trim()).filter(Boolean);
for (const impl of ['rtcroom', 'baseline']) if (!IMPLS.includes(impl)) IMPLS.push(impl);
const SETTLE_MS = 250;
// After setup, participant 0 shares its screen: `screen_share_start_ms` is
// that call → participant 1's first presented frame of it, and
// `camera_stall_during_share_ms` the longest time participant 1's view of
// participant 0's camera stood still in the SHARE_WINDOW_MS from that call
// (the same window for every implementation, whatever its share start).
// BENCH_SCREEN=0 skips.
const SCREEN = process.env.BENCH_SCREEN !== '0';
const SHARE_WINDOW_MS = 2000;
// A camera standstill longer than this (two frame intervals of the fake
// camera) is counted: the median sits at one interval whatever happens.
const STALL_COUNTED_MS = 200;
const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox',
  '--disable-gpu', '--allow-loopback-in-peer-connection', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];
// Marks shown in the phase breakdown, in the order they usually happen.
const PHASES = [
  'ws_created', 'ws_open', 'welcome', 'joined', 'participant', 'gum_start', 'gum_done', 'published', 'pc_created',
  'negotiationneeded', 'sld_offer_done', 'offer_sent', 'offer_received', 'srd_offer_done', 'sld_answer_done', 'answer_sent', 'answer_received', 'srd_answer_done', 'local_candidate',
  'video_offer_sent', 'video_offer_received', 'video_answer_sent', 'video_answer_received',
  'candidate_sent', 'candidate_received', 'ice_connected', 'pc_connected', 'pc_track', 'track',
  'first_frame',
];
const COUNTS = ['offers_sent', 'answers_sent', 'candidates_sent', 'negotiationneeded', 'pcs'];

function intEnv(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- statistics

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile: the smallest sample with at least p% at or below it. */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1];
}

const round1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

function summary(samples) {
  return {
    median: round1(median(samples)),
    p95: round1(percentile(samples, 95)),
    min: round1(samples.length ? Math.min(...samples) : null),
    max: round1(samples.length ? Math.max(...samples) : null),
    samples: samples.map(round1),
  };
}

// ------------------------------------------------------------------- bundle

function bundleSizes(pkgDir) {
  const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(pkgDir, f)), { level: 9 }).length;
  const wasm = gz('rtcroom_bg.wasm');
  // The glue counts when the facade imports it; scripts/minify.mjs bundles it
  // into index.js (a page then never loads rtcroom.js): glue 0.
  const facadeText = fs.readFileSync(path.join(pkgDir, 'index.js'), 'utf8');
  const glue = /from\s*["'`]\.\/rtcroom\.js["'`]/.test(facadeText) ? gz('rtcroom.js') : 0;
  const facade = gz('index.js');
  return { wasm, glue, facade, total: wasm + glue + facade };
}

// ------------------------------------------------------------------- server

async function waitForPkg(pkgDir) {
  // Someone else's scripts/build removes and refills pkg/; wait it out.
  for (let i = 0; i < 300; i++) {
    if (['index.js', 'rtcroom.js', 'rtcroom_bg.wasm'].every((f) => fs.existsSync(path.join(pkgDir, f)))) {
      await sleep(i ? 2000 : 0); // let a build in progress finish writing
      return;
    }
    if (i === 0) console.error('pkg/ is incomplete; waiting for a build to finish…');
    await sleep(1000);
  }
  throw new Error('pkg/ is missing: run scripts/build');
}

function startServer(pkgDir) {
  const bin = path.join(ROOT, 'target/release/rtcroom-server');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/build`);
  const child = spawn(bin, [
    '--addr', '127.0.0.1:0',
    '--mount', `/pkg=${pkgDir}`,
    '--mount', `/bench=${path.join(ROOT, 'bench/pages')}`,
    // BENCH_PKG_B (an A/B control): a second build at /pkgb, joined by the
    // `rtcroom-pkgb` impl (rtcroom.html?pkgb), so two builds compare in one run.
    ...(process.env.BENCH_PKG_B ? ['--mount', `/pkgb=${path.resolve(process.env.BENCH_PKG_B)}`] : []),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server printed no address: ${out}`)), 10000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/rtcroom-server listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve({ child, base: m[1] });
      }
    });
  });
}

// ------------------------------------------------------------------- trials

async function openParticipant(browser, url) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') logs.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true);
  return { context, page, logs };
}

/** One call: two fresh contexts join a fresh room; resolves with both participants' marks. */
async function trial(browser, base, impl, label) {
  const room = `${impl}-${label}-${Date.now().toString(36)}`;
  // `page-flag` (a control): page.html?flag, e.g. baseline-shaped.
  const [page, flag] = impl.split(/-(.*)/s);
  const url = `${base}/bench/${page}.html${flag ? `?${flag}` : ''}`;
  const parts = await Promise.all([openParticipant(browser, url), openParticipant(browser, url)]);
  try {
    await Promise.all(parts.map(({ page }, i) => page.evaluate(([r, n]) => window.benchStart(r, n), [room, `p${i}`])));
    const results = await Promise.all(parts.map(({ page }) =>
      page.waitForFunction(() => window.__benchResult, null, { timeout: TIMEOUT_MS, polling: 20 })
        .then((h) => h.jsonValue())
        .catch(async () => ({
          ...(await page.evaluate(() => window.__benchPartial()).catch(() => ({}))),
          error: `no first remote frame within ${TIMEOUT_MS} ms`,
        }))));
    const participants = results.map((r, i) => {
      const marks = r.marks || {};
      const start = marks.join_start;
      const rel = {};
      for (const [k, v] of Object.entries(marks)) rel[k] = v - start;
      return {
        setup_ms: r.error || marks.first_frame === undefined ? null : marks.first_frame - start,
        connected_ms: marks.pc_connected === undefined ? null : marks.pc_connected - start,
        // Wall-clock join start, so marks of the two pages can be lined up.
        join_start: start,
        marks: rel, counts: r.counts || {}, notes: r.notes || [], wire: r.wire || [], error: r.error || null,
        logs: parts[i].logs,
      };
    });
    const ok = participants.every((p) => p.setup_ms !== null);
    const connected = participants.every((p) => p.connected_ms !== null);
    const share = ok && SCREEN ? await screenPhase(parts) : null;
    return {
      screen_ms: share?.start_ms ?? null,
      camera_stall_ms: share?.camera_stall_ms ?? null,
      impl, ok,
      setup_ms: ok ? Math.max(...participants.map((p) => p.setup_ms)) : null,
      // Join start → RTCPeerConnection `connected`, the later of the two.
      connected_ms: ok && connected ? Math.max(...participants.map((p) => p.connected_ms)) : null,
      participants,
    };
  } finally {
    await Promise.all(parts.map(({ context }) => context.close().catch(() => {})));
    await sleep(SETTLE_MS); // let the closed renderers and capturers wind down
  }
}

/**
 * Participant 0 shares its screen: `start_ms` until participant 1 presents
 * its first frame, and `camera_stall_ms` the longest standstill of
 * participant 1's view of the camera in the SHARE_WINDOW_MS from the
 * share's start (null: no screen frame in time).
 */
async function screenPhase(parts) {
  const [sharer, viewer] = parts.map((p) => p.page);
  try {
    await sharer.evaluate(() => window.benchScreen());
    const h = await viewer.waitForFunction(() => window.__bench.screen.first_frame, null, { timeout: TIMEOUT_MS, polling: 20 });
    const first = await h.jsonValue();
    const start = await sharer.evaluate(() => window.__bench.screen.start);
    // Until the window is over, and a little more: the frame callbacks of
    // its last frames run after they are presented.
    await sleep(Math.max(0, start + SHARE_WINDOW_MS - Date.now()) + 250);
    const camera_stall_ms = await viewer.evaluate(([from, to]) => window.__bench.cameraStall(from, to), [start, start + SHARE_WINDOW_MS]);
    return { start_ms: first - start, camera_stall_ms };
  } catch (e) {
    console.error(`  screen share: ${e.message.split('\n')[0]}`);
    return null;
  }
}

// ------------------------------------------------------------------- report

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function printTable(rows, cols) {
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i > 0)).join('  ');
  console.log(line(cols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

const fmt = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));

function phaseMedians(results) {
  const out = {};
  const participants = results.filter((r) => r.ok).flatMap((r) => r.participants);
  for (const name of PHASES) {
    const xs = participants.map((p) => p.marks[name]).filter((x) => typeof x === 'number');
    if (xs.length) out[name] = round1(median(xs));
  }
  const counts = {};
  for (const name of COUNTS) {
    const xs = participants.map((p) => p.counts[name] ?? 0);
    if (xs.length) counts[name] = median(xs);
  }
  return { marks: out, counts };
}

// --------------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  await waitForPkg(path.join(ROOT, 'pkg'));
  // Serve a snapshot, so that a rebuild of pkg/ during the run changes nothing.
  const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcroom-bench-pkg-'));
  fs.cpSync(path.join(ROOT, 'pkg'), snap, { recursive: true });
  const bundle = bundleSizes(snap);

  let server = null;
  let browser = null;
  const cleanup = () => {
    if (server && server.child.exitCode === null) {
      try { process.kill(server.child.pid, 'SIGTERM'); } catch {}
    }
    fs.rmSync(snap, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

  try {
    server = await startServer(snap);
    console.error(`server pid ${server.child.pid} at ${server.base}`);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });

    const results = Object.fromEntries(IMPLS.map((impl) => [impl, []]));
    const failed = Object.fromEntries(IMPLS.map((impl) => [impl, []]));
    for (const impl of IMPLS) {
      const r = await trial(browser, server.base, impl, 'warmup');
      console.error(`warm-up ${impl}: ${r.ok ? `${r.setup_ms.toFixed(1)} ms` : 'FAILED'}`);
      if (!r.ok) reportFailure(r);
    }
    for (let i = 0; i < TRIALS; i++) {
      for (const impl of IMPLS) { // interleaved, so drift hits both alike
        const r = await trial(browser, server.base, impl, `t${i}`);
        (r.ok ? results : failed)[impl].push(r);
        console.error(`trial ${i + 1}/${TRIALS} ${pad(impl, 8)} ${r.ok ? `${r.setup_ms.toFixed(1)} ms` : 'FAILED'}`);
        if (!r.ok) reportFailure(r);
      }
    }

    const setup = {};
    for (const impl of IMPLS) setup[impl] = summary(results[impl].map((r) => r.setup_ms));
    const ratio = setup.rtcroom.median && setup.baseline.median
      ? Math.round((setup.rtcroom.median / setup.baseline.median) * 1000) / 1000 : null;
    const connectedMs = {};
    for (const impl of IMPLS) connectedMs[impl] = summary(results[impl].map((r) => r.connected_ms).filter((x) => x !== null));
    const connectedRatio = connectedMs.rtcroom.median && connectedMs.baseline.median
      ? Math.round((connectedMs.rtcroom.median / connectedMs.baseline.median) * 1000) / 1000 : null;
    const phases = Object.fromEntries(IMPLS.map((impl) => [impl, phaseMedians(results[impl])]));
    const screenMs = {};
    for (const impl of IMPLS) screenMs[impl] = summary(results[impl].map((r) => r.screen_ms).filter((x) => x !== null));
    const screenRatio = screenMs.rtcroom.median && screenMs.baseline.median
      ? Math.round((screenMs.rtcroom.median / screenMs.baseline.median) * 1000) / 1000 : null;
    const stallMs = {};
    for (const impl of IMPLS) stallMs[impl] = summary(results[impl].map((r) => r.camera_stall_ms).filter((x) => x !== null));
    const stallRatio = stallMs.rtcroom.median && stallMs.baseline.median
      ? Math.round((stallMs.rtcroom.median / stallMs.baseline.median) * 1000) / 1000 : null;
    for (const impl of IMPLS) stallMs[impl].over_200ms = stallMs[impl].samples.filter((x) => x > STALL_COUNTED_MS).length;

    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null, node: process.version, chromium: browser.version(),
        // 1-minute load average before and after: other work on the machine skews the numbers.
        loadavg_1m: [round1(loadBefore), round1(os.loadavg()[0])],
      },
      trials: TRIALS,
      setup_ms: setup,
      setup_ratio: ratio,
      connected_ms: connectedMs,
      connected_ratio: connectedRatio,
      // publishScreen (baseline: getDisplayMedia + addTrack + offer) → the
      // other participant's first presented frame of the screen, mid-call.
      screen_share_start_ms: SCREEN ? screenMs : null,
      screen_share_start_ratio: SCREEN ? screenRatio : null,
      // The longest time the other participant's view of the camera stood
      // still in the 2 s from the share's start; `over_200ms`: trials whose
      // standstill was longer than two frame intervals.
      camera_stall_during_share_ms: SCREEN ? stallMs : null,
      camera_stall_during_share_ratio: SCREEN ? stallRatio : null,
      bundle_gzip_bytes: bundle,
      failures: Object.fromEntries(IMPLS.map((impl) => [impl, failed[impl].length])),
      // Medians over both participants of every successful trial, in ms
      // since that participant's join start; counts are per participant.
      phases_ms: Object.fromEntries(IMPLS.map((impl) => [impl, phases[impl].marks])),
      phase_counts: Object.fromEntries(IMPLS.map((impl) => [impl, phases[impl].counts])),
      duration_s: Math.round((Date.now() - started) / 1000),
    };
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
    if (process.env.BENCH_DETAILS) {
      // Every trial with both participants' marks, for digging into a result.
      const all = IMPLS.flatMap((impl) => [...results[impl], ...failed[impl]]);
      fs.writeFileSync(process.env.BENCH_DETAILS, JSON.stringify(all, null, 1) + '\n');
    }

    console.log(`\nsetup time: join start → first remote video frame, later of 2 participants (ms)`);
    printTable(IMPLS.map((impl) => [impl, fmt(setup[impl].median), fmt(setup[impl].p95), fmt(setup[impl].min),
      fmt(setup[impl].max), `${setup[impl].samples.length}${failed[impl].length ? ` (+${failed[impl].length} failed)` : ''}`]),
    ['implementation', 'median', 'p95', 'min', 'max', 'n']);
    console.log(`ratio rtcroom/baseline (medians): ${ratio ?? '-'}`);

    console.log(`\nconnected: join start → RTCPeerConnection connected, later of 2 participants (ms)`);
    printTable(IMPLS.map((impl) => [impl, fmt(connectedMs[impl].median), fmt(connectedMs[impl].p95),
      fmt(connectedMs[impl].min), fmt(connectedMs[impl].max), String(connectedMs[impl].samples.length)]),
    ['implementation', 'median', 'p95', 'min', 'max', 'n']);
    console.log(`ratio rtcroom/baseline (medians): ${connectedRatio ?? '-'}`);

    if (SCREEN) {
      console.log(`\nscreen share start: publishScreen → first remote frame of it, mid-call (ms)`);
      printTable(IMPLS.map((impl) => [impl, fmt(screenMs[impl].median), fmt(screenMs[impl].p95),
        fmt(screenMs[impl].min), fmt(screenMs[impl].max), String(screenMs[impl].samples.length)]),
      ['implementation', 'median', 'p95', 'min', 'max', 'n']);
      console.log(`ratio rtcroom/baseline (medians): ${screenRatio ?? '-'}`);
      console.log(`\ncamera's longest standstill at the other participant, in the 2 s from the share's start (ms)`);
      printTable(IMPLS.map((impl) => [impl, fmt(stallMs[impl].median), fmt(stallMs[impl].p95),
        fmt(stallMs[impl].min), fmt(stallMs[impl].max), String(stallMs[impl].over_200ms), String(stallMs[impl].samples.length)]),
      ['implementation', 'median', 'p95', 'min', 'max', '> 200 ms', 'n']);
      console.log(`ratio rtcroom/baseline (medians): ${stallRatio ?? '-'}`);
    }

    console.log(`\nphases: median ms since the participant's own join start`);
    printTable(PHASES.filter((p) => IMPLS.some((impl) => p in phases[impl].marks))
      .map((p) => [p, ...IMPLS.map((impl) => fmt(phases[impl].marks[p]))]), ['mark', ...IMPLS]);
    printTable(COUNTS.map((c) => [c, ...IMPLS.map((impl) => String(phases[impl].counts[c] ?? '-'))]),
      ['per participant (median)', ...IMPLS]);

    console.log(`\nbundle, gzip -9 bytes`);
    printTable([['rtcroom_bg.wasm', bundle.wasm], ['rtcroom.js', bundle.glue], ['index.js', bundle.facade], ['total', bundle.total]]
      .map(([f, b]) => [f, String(b), `${(b / 1024).toFixed(1)} KiB`]), ['file', 'bytes', '']);
    console.log(`\nmachine: ${report.machine.cpus} cpus, node ${report.machine.node}, Chromium ${report.machine.chromium}, load ${report.machine.loadavg_1m.join(' → ')}`);
    console.log(`wrote ${path.relative(ROOT, OUT)} (${report.duration_s} s)`);
    if (!setup.rtcroom.samples.length || !setup.baseline.samples.length) process.exitCode = 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
    cleanup();
  }
}

function reportFailure(r) {
  for (const [i, p] of r.participants.entries()) {
    console.error(`  participant ${i}: ${p.error ?? 'ok'}`);
    const marks = Object.entries(p.marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k}=${v.toFixed(0)}`).join(' ');
    if (marks) console.error(`    marks: ${marks}`);
    for (const n of p.notes) console.error(`    note: ${n}`);
    for (const l of p.logs.slice(0, 10)) console.error(`    ${l}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
