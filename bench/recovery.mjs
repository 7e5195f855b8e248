// Recovery benchmark: rtcroom against the plain-JS baseline (which relies on
// the browser alone) under real network faults, in the topology of
// js/playwright-net.js (rtcroom/playwright's network faults; root only). Run through scripts/bench, or:
//   BENCH_SKIP_BUILD=1 RECOVERY_TRIALS=2 node bench/recovery.mjs
//
// Sections (interleaved rtcroom/baseline trials, fresh browsers and room per trial):
//  recovery        media blackholes of RECOVERY_BLACKHOLES seconds (default 5,40):
//                  detection time (fault → rtcroom participant-state `reconnecting`,
//                  or the browser's iceConnectionState `disconnected` — `detected_by`
//                  says which), restore → first new decoded frame (later of the two
//                  directions), longest freeze, success (both directions decode again
//                  with the right colour within RECOVERY_DEADLINE_MS of the restore).
//  server_restart  server SIGKILL, restarted on the same port after 10 s: longest
//                  freeze during the outage, and time from the server being back to
//                  the room being whole (a track published then decoded at the other
//                  side; rtcroom only — the baseline has no resume).
//  ice_restart     browser facts for the SDK's back-off (baseline page): an ICE restart
//                  2 s into a blackhole — how long until the connection fails, and how
//                  fast it connects when the path returns inside that window.
//
// Env: RECOVERY_TRIALS (20), RECOVERY_BLACKHOLES ("5,40"), RECOVERY_RESTART_TRIALS (5),
//      RECOVERY_ICE_TRIALS (3), RECOVERY_DEADLINE_MS (15000),
//      RECOVERY_OUT (bench/results/recovery.json), RECOVERY_SECTIONS ("recovery,server_restart,ice_restart").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Net, canRun, sweepStale } from '../js/playwright-net.js';
import * as H from '../playwright/faults/harness.mjs';

const int = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const TRIALS = int('RECOVERY_TRIALS', 20);
const BLACKHOLES = (process.env.RECOVERY_BLACKHOLES || '5,40').split(',').map(Number).filter((x) => x > 0);
const RESTART_TRIALS = int('RECOVERY_RESTART_TRIALS', 5);
const ICE_TRIALS = int('RECOVERY_ICE_TRIALS', 3);
const DEADLINE_MS = int('RECOVERY_DEADLINE_MS', 15_000);
const OUT = process.env.RECOVERY_OUT || path.join(H.ROOT, 'bench/results/recovery.json');
const SECTIONS = new Set((process.env.RECOVERY_SECTIONS || 'recovery,server_restart,ice_restart').split(','));
const IMPLS = ['rtcroom', 'baseline'];
const OUTAGE_MS = 10_000;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); if (!s.length) return null; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.max(1, Math.ceil(0.95 * s.length)) - 1] : null; };
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
const stat = (xs) => { xs = xs.filter((x) => typeof x === 'number'); return { median: r1(median(xs)), p95: r1(p95(xs)), n: xs.length, samples: xs.map(r1) }; };
const fmt = (x) => (x === null || x === undefined ? '-' : x.toFixed(0));
const log = (s) => console.error(s);

let net = null;
let server = null;
let room = 0;

async function call(impl) {
  const name = `bench-${impl}-${Date.now().toString(36)}-${room++}`;
  const logs = [];
  const a = await H.launchParticipant(net, 1, { impl, room: name, name: 'alice', color: H.RED, logs });
  let b;
  try {
    b = await H.launchParticipant(net, 2, { impl, room: name, name: 'bob', color: H.BLUE, logs });
  } catch (e) { await a.close(); throw e; }
  const people = [a, b];
  const up = await Promise.all([[a, b], [b, a]].map(([v, o]) => H.waitColor(v, { participant: o.id }, o.color, 20_000)));
  if (up.some((u) => !u.at)) { await Promise.all(people.map((p) => p.close())); throw new Error(`${impl}: call did not come up (${logs.join('; ')})`); }
  // Faults hit a call in progress (see H.SETTLE_MS).
  await H.sleep(H.SETTLE_MS);
  return people;
}

/** Waits until `viewer` decoded a frame of `other`'s `source` track after `after` and shows `hex`; returns that frame time or null. */
async function resumed(viewer, other, after, deadline, { source = 'camera', hex = other.color } = {}) {
  while (Date.now() < deadline) {
    const snap = await H.snapshot(viewer);
    const track = H.tracksFrom(snap, other.id).find((t) => t.source === source);
    const at = track && H.firstFrameAfter(track, after);
    if (at) {
      const c = await H.waitColor(viewer, { trackId: track.id }, hex, Math.max(500, deadline - Date.now()));
      return c.at ? at : null;
    }
    await H.sleep(100);
  }
  return null;
}

async function blackholeTrial(impl, seconds) {
  const [a, b] = await call(impl);
  try {
    const fault = net.blackholeMedia(1);
    const faultAt = Date.now();
    await H.sleep(seconds * 1000);
    fault.clear();
    const restoreAt = Date.now();
    const deadline = restoreAt + DEADLINE_MS;
    const frames = await Promise.all([resumed(a, b, restoreAt, deadline), resumed(b, a, restoreAt, deadline)]);
    const snaps = await Promise.all([H.snapshot(a), H.snapshot(b)]);
    const det = [H.detection(snaps[0], b.id, faultAt), H.detection(snaps[1], a.id, faultAt)];
    const dets = det.map((d) => d.ms).filter((x) => x !== null && x <= seconds * 1000);
    const ice = (s, other, state) => { const e = H.firstEvent(s, { type: 'ice', participant: other, state }, faultAt); return e ? r1(e.t - faultAt) : null; };
    const pcFailed = (s, other) => { const e = H.firstEvent(s, { type: 'pc', participant: other, state: 'failed' }, faultAt); return e ? r1(e.t - faultAt) : null; };
    const ok = frames.every((f) => f !== null);
    const freeze = snaps.map((s, k) => { const t = H.tracksFrom(s, [b, a][k].id)[0]; return t ? H.longestFreeze(t, faultAt - 1000, ok ? Math.max(...frames) : Date.now()) : null; });
    return {
      impl, seconds, ok,
      // The side that noticed first (during the fault only).
      detection_ms: dets.length ? r1(Math.min(...dets)) : null,
      detected_by: det[0].by,
      restore_to_frame_ms: ok ? r1(Math.max(...frames) - restoreAt) : null,
      longest_freeze_ms: ok ? r1(Math.max(...freeze)) : null,
      ice_disconnected_ms: [ice(snaps[0], b.id, 'disconnected'), ice(snaps[1], a.id, 'disconnected')],
      pc_failed_ms: [pcFailed(snaps[0], b.id), pcFailed(snaps[1], a.id)],
      timeline: { alice: H.timeline(snaps[0], faultAt), bob: H.timeline(snaps[1], faultAt) },
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function serverRestartTrial(impl) {
  const [a, b] = await call(impl);
  try {
    await H.killServer(server);
    const killAt = Date.now();
    await H.sleep(OUTAGE_MS);
    server = await H.startServer(net, {});
    const backAt = Date.now();
    let wholeMs = null;
    if (impl === 'rtcroom') {
      // Published as soon as the server is back: the room is whole when it is decoded at bob.
      const pub = a.page.evaluate((c) => window.rf.publish(c, 'screen'), H.GREEN)
        .then(() => 'resolved', (e) => `rejected: ${String(e.message || e).slice(0, 120)}`);
      const at = await resumed(b, a, backAt, backAt + DEADLINE_MS, { source: 'screen', hex: H.GREEN });
      wholeMs = at ? r1(at - backAt) : null;
      const r = await Promise.race([pub, H.sleep(100).then(() => 'pending')]);
      if (wholeMs === null) log(`  publishTrack after the restart: ${r}; the track never reached bob`);
    } else {
      await H.sleep(1000);
    }
    const snaps = await Promise.all([H.snapshot(a), H.snapshot(b)]);
    const freeze = snaps.map((s, k) => { const t = H.tracksFrom(s, [b, a][k].id).find((x) => x.source === 'camera'); return t ? H.longestFreeze(t, killAt, backAt) : null; });
    return {
      impl, longest_freeze_ms: r1(Math.max(...freeze)), whole_ms: wholeMs,
      timeline: { alice: H.timeline(snaps[0], killAt), bob: H.timeline(snaps[1], killAt) },
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Baseline page: ICE restart 2 s into a blackhole; restore `restoreAfterMs` after the restart (null = never). */
async function iceTrial(restoreAfterMs) {
  const [a, b] = await call('baseline');
  try {
    const fault = net.blackholeMedia(1);
    const faultAt = Date.now();
    await H.sleep(2000);
    const restartAt = Date.now();
    await a.page.evaluate((id) => window.rf.restartIce(id), b.id);
    let restoredAt = null;
    const end = restartAt + (restoreAfterMs ?? 40_000) + 5_000;
    let out = null;
    while (Date.now() < end && !out) {
      await H.sleep(50);
      if (restoreAfterMs !== null && !restoredAt && Date.now() - restartAt >= restoreAfterMs) { fault.clear(); restoredAt = Date.now(); }
      const s = await H.snapshot(a);
      const failed = H.firstEvent(s, { type: 'pc', participant: b.id, state: 'failed' }, faultAt);
      const connected = restoredAt && H.firstEvent(s, { type: 'ice', participant: b.id, state: 'connected' }, restoredAt);
      if (failed) out = { restart_to_failed_ms: r1(failed.t - restartAt), fault_to_failed_ms: r1(failed.t - faultAt) };
      else if (connected) {
        const frame = await resumed(b, a, restoredAt, restoredAt + 5000);
        out = { restore_to_connected_ms: r1(connected.t - restoredAt), restore_to_frame_ms: frame ? r1(frame - restoredAt) : null };
      }
    }
    fault.clear();
    const s = await H.snapshot(a);
    return { restore_after_restart_ms: restoreAfterMs, ...(out || { note: 'neither failed nor connected' }), timeline: H.timeline(s, faultAt) };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

function table(rows, cols) {
  const w = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ');
  console.log(line(cols));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  rows.forEach((r) => console.log(line(r)));
}

async function main() {
  const why = canRun() ?? H.missingBuild();
  if (why) { console.error(`recovery bench skipped: ${why}`); process.exitCode = 0; return; }
  sweepStale();
  const started = Date.now();
  net = new Net({ participants: 2 });
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadavg_1m: [r1(os.loadavg()[0])] },
    sdk_has_recovery: await H.sdkHasRecovery(),
    server_flags: [...H.serverFlags()].filter((f) => f !== '--help'),
    deadline_ms: DEADLINE_MS,
  };
  try {
    server = await H.startServer(net, {});
    if (SECTIONS.has('recovery') && TRIALS > 0) {
      const trials = [];
      for (let i = 0; i < TRIALS; i++) {
        for (const seconds of BLACKHOLES) {
          for (const impl of IMPLS) {
            let t;
            try { t = await blackholeTrial(impl, seconds); } catch (e) { t = { impl, seconds, ok: false, error: String(e.message || e) }; }
            trials.push(t);
            log(`recovery ${i + 1}/${TRIALS} ${seconds}s ${impl.padEnd(8)} ${t.ok ? 'ok' : 'FAILED'} detect ${fmt(t.detection_ms)} (${t.detected_by ?? '-'}) restore→frame ${fmt(t.restore_to_frame_ms)}${t.error ? ` ${t.error}` : ''}`);
          }
        }
      }
      report.recovery = {};
      for (const seconds of BLACKHOLES) {
        const key = `blackhole_${seconds}s`;
        report.recovery[key] = {};
        for (const impl of IMPLS) {
          const ts = trials.filter((t) => t.impl === impl && t.seconds === seconds);
          report.recovery[key][impl] = {
            trials: ts.length, successes: ts.filter((t) => t.ok).length,
            detected_by: ts.find((t) => t.detected_by)?.detected_by ?? null,
            detection_ms: stat(ts.map((t) => t.detection_ms)),
            restore_to_frame_ms: stat(ts.map((t) => t.restore_to_frame_ms)),
            longest_freeze_ms: stat(ts.map((t) => t.longest_freeze_ms)),
            browser_ice_disconnected_ms: stat(ts.flatMap((t) => t.ice_disconnected_ms ?? [])),
            browser_pc_failed_ms: stat(ts.flatMap((t) => t.pc_failed_ms ?? [])),
            errors: ts.filter((t) => t.error).map((t) => t.error),
            timelines: ts.slice(0, 2).map((t) => t.timeline),
          };
        }
      }
    }
    if (SECTIONS.has('server_restart') && RESTART_TRIALS > 0) {
      const trials = [];
      for (let i = 0; i < RESTART_TRIALS; i++) {
        for (const impl of IMPLS) {
          let t;
          try { t = await serverRestartTrial(impl); } catch (e) { t = { impl, error: String(e.message || e) }; }
          trials.push(t);
          log(`server_restart ${i + 1}/${RESTART_TRIALS} ${impl.padEnd(8)} freeze ${fmt(t.longest_freeze_ms)} whole ${fmt(t.whole_ms)}${t.error ? ` ${t.error}` : ''}`);
        }
      }
      report.server_restart = { outage_ms: OUTAGE_MS };
      for (const impl of IMPLS) {
        const ts = trials.filter((t) => t.impl === impl);
        report.server_restart[impl] = {
          trials: ts.length,
          longest_freeze_ms: stat(ts.map((t) => t.longest_freeze_ms)),
          whole_ms: impl === 'rtcroom' ? stat(ts.map((t) => t.whole_ms)) : null,
          whole_successes: impl === 'rtcroom' ? ts.filter((t) => typeof t.whole_ms === 'number').length : null,
          errors: ts.filter((t) => t.error).map((t) => t.error),
          timelines: ts.slice(0, 1).map((t) => t.timeline),
        };
      }
    }
    if (SECTIONS.has('ice_restart') && ICE_TRIALS > 0) {
      const trials = [];
      for (let i = 0; i < ICE_TRIALS; i++) {
        for (const restoreAfter of [null, 5_000, 12_000]) {
          let t;
          try { t = await iceTrial(restoreAfter); } catch (e) { t = { restore_after_restart_ms: restoreAfter, error: String(e.message || e) }; }
          trials.push(t);
          log(`ice_restart ${i + 1}/${ICE_TRIALS} restore ${restoreAfter ?? 'never'}: ${JSON.stringify({ ...t, timeline: undefined })}`);
        }
      }
      const never = trials.filter((t) => t.restore_after_restart_ms === null);
      const within = trials.filter((t) => t.restore_after_restart_ms !== null);
      report.ice_restart = {
        restart_at_ms_into_blackhole: 2000,
        restart_to_failed_ms: stat(never.map((t) => t.restart_to_failed_ms)),
        restore_to_connected_ms: stat(within.map((t) => t.restore_to_connected_ms)),
        restore_to_frame_ms: stat(within.map((t) => t.restore_to_frame_ms)),
        trials,
      };
    }
  } finally {
    net.destroySync();
  }
  report.duration_s = Math.round((Date.now() - started) / 1000);
  report.machine.loadavg_1m.push(r1(os.loadavg()[0]));
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');

  if (report.recovery) {
    console.log('\nrecovery: media blackhole between the two participants (ms; detection = fault → restart begins)');
    table(Object.entries(report.recovery).flatMap(([k, v]) => IMPLS.map((impl) => {
      const x = v[impl];
      return [`${k} ${impl}`, `${x.successes}/${x.trials}`, fmt(x.detection_ms.median), fmt(x.detection_ms.p95),
        fmt(x.restore_to_frame_ms.median), fmt(x.restore_to_frame_ms.p95), fmt(x.longest_freeze_ms.median), x.detected_by ?? '-'];
    })), ['scenario', 'ok', 'detect med', 'p95', 'restore→frame med', 'p95', 'freeze med', 'detection measured by']);
  }
  if (report.server_restart) {
    console.log(`\nserver_restart: SIGKILL, back after ${OUTAGE_MS} ms (ms)`);
    table(IMPLS.map((impl) => { const x = report.server_restart[impl]; return [impl, fmt(x.longest_freeze_ms.median), fmt(x.longest_freeze_ms.p95), x.whole_ms ? fmt(x.whole_ms.median) : 'n/a', x.whole_ms ? fmt(x.whole_ms.p95) : 'n/a', x.whole_ms ? `${x.whole_successes}/${x.trials}` : 'n/a']; }),
      ['implementation', 'freeze med', 'p95', 'whole med', 'p95', 'whole ok']);
  }
  if (report.ice_restart) {
    const x = report.ice_restart;
    console.log(`\nice_restart (browser, baseline page): restart 2 s into a blackhole → failed ${fmt(x.restart_to_failed_ms.median)} ms (median); path back inside that window → connected ${fmt(x.restore_to_connected_ms.median)} ms, first frame ${fmt(x.restore_to_frame_ms.median)} ms`);
  }
  console.log(`wrote ${path.relative(H.ROOT, OUT)} (${report.duration_s} s)`);
}

main().catch((e) => { console.error(e); net?.destroySync(); process.exit(1); });
