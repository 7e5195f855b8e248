// Drives the fault topology (js/playwright-net.js, shipped as rtcroom/playwright) for the specs of this directory and
// for bench/recovery.mjs: the server inside its namespace (kill/restart on
// the same port), one Chromium per participant inside its namespace (killable
// by PID), the recovery pages of bench/pages, and the metrics computed from
// their probes.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { SERVER_PORT } from '../../js/playwright-net.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_BIN = path.join(ROOT, 'target/release/rtcroom-server');
export const PKG_DIR = path.resolve(ROOT, process.env.RTCROOM_PKG_DIR || 'pkg');
export const TEST_SECRET = 'rtcroom-faults-test-secret';
/** Ports of the two server nodes of the backplane specs (both on net.serverAddr). */
export const NODE_PORTS = [SERVER_PORT, SERVER_PORT + 1];

/** Same flags as playwright.config.mjs, minus loopback ICE (addresses are 10.x here). */
export const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox',
  '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
  // One browser per participant, each "visible": never throttle its timers.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
];

export const RED = 'ff2020';
export const BLUE = '2040ff';
export const GREEN = '20e020';
export const TOLERANCE = 60;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a call runs before a fault is injected: faults hit a call in
 * progress. The SDK's stall detector needs ≥ 1.2 s of steady inbound
 * traffic to arm (an idle connection must never look stalled); a fault in
 * the first second of a call is detected by ICE instead (~6–7 s).
 */
export const SETTLE_MS = 2_500;

// ------------------------------------------------------------ capabilities

let helpText = null;
/** The options the built server's --help lists (e.g. '--secret', '--resume-grace-secs'). */
export function serverFlags() {
  if (helpText === null) {
    try { helpText = execFileSync(SERVER_BIN, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) { helpText = `${e.stdout || ''}`; }
  }
  return new Set(helpText.match(/--[a-z][a-z-]+/g) || []);
}

let roomEvents = null;
/** ROOM_EVENTS of the built package (its facade imports fine in Node; the wasm is loaded only by join). */
export async function sdkRoomEvents() {
  if (roomEvents === null) {
    try {
      roomEvents = [...(await import(path.join(PKG_DIR, 'index.js'))).ROOM_EVENTS];
    } catch {
      // Fallback: read the list from the source text.
      const text = fs.readFileSync(path.join(PKG_DIR, 'index.js'), 'utf8');
      const m = /ROOM_EVENTS\s*=\s*Object\.freeze\(\[([^\]]*)\]/.exec(text);
      roomEvents = m ? [...m[1].matchAll(/'([^']+)'|"([^"]+)"/g)].map((x) => x[1] || x[2]) : [];
    }
  }
  return roomEvents;
}

/** True once the SDK emits `participant-state` (its automatic recovery has landed). */
export async function sdkHasRecovery() {
  return (await sdkRoomEvents()).includes('participant-state');
}

/** True when the server has a resume grace period (and session tokens). */
export function serverHasResume() {
  const f = serverFlags();
  return f.has('--resume-grace-secs') && f.has('--secret');
}

export function missingBuild() {
  const missing = [SERVER_BIN, path.join(PKG_DIR, 'index.js')].filter((f) => !fs.existsSync(f));
  return missing.length ? `missing ${missing.join(' and ')}: run scripts/build` : null;
}

// ------------------------------------------------------------------ server

/**
 * Starts Debian's redis-server in `net`'s server namespace on 127.0.0.1 and
 * a random port (the namespace is ours: nothing else listens there), without
 * persistence; it dies with the namespace's processes (by PID). Resolves with
 * { child, pid, port, url } once it answers PING.
 */
export async function startRedis(net, logFile = null) {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = net.spawnIn(net.server, 'redis-server', [
    '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  child.stdout.on('data', (d) => log?.write(d));
  child.stderr.on('data', (d) => log?.write(d));
  const deadline = Date.now() + 10_000;
  while (redisCli(net, port, ['PING']) !== 'PONG') {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(50);
  }
  return { child, pid: child.pid, port, url: `redis://127.0.0.1:${port}` };
}

/** Runs redis-cli against the namespace's Redis; its trimmed output, or null. */
export function redisCli(net, port, args) {
  const r = spawnSync('ip', ['netns', 'exec', net.server, 'redis-cli', '-p', String(port), ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Waits until `n` nodes subscribed to the backplane, then one heartbeat
 * interval more, so that they know each other before anyone joins.
 */
export async function waitBackplane(net, redis, n) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const out = redisCli(net, redis.port, ['PUBSUB', 'NUMSUB', 'rtcroom:all']);
    if (Number(out?.split('\n')[1]) >= n) break;
    if (Date.now() > deadline) throw new Error(`${n} nodes never subscribed: ${out}`);
    await sleep(50);
  }
  await sleep(1_500);
}

/**
 * Starts rtcroom-server in `net`'s server namespace on 10.77.0.2:8080 (or
 * `options.port`), serving /pkg and /bench. `options` may hold heartbeatSecs,
 * resumeGraceSecs, crashGraceSecs: each is passed only if the binary's --help
 * lists it; the fixed test secret likewise; `redisUrl` and `nodeId` put it on
 * a backplane. Resolves with { child, pid, port, log } once listening.
 */
export async function startServer(net, options = {}, logFile = null) {
  const flags = serverFlags();
  const port = options.port ?? SERVER_PORT;
  const args = [
    '--addr', `${net.serverAddr}:${port}`,
    '--mount', `/pkg=${PKG_DIR}`,
    '--mount', `/bench=${path.join(ROOT, 'bench/pages')}`,
  ];
  if (flags.has('--secret')) args.push('--secret', TEST_SECRET);
  // With a secret the server requires join tokens; this tier tests recovery,
  // not admission, so its participants join token-free.
  if (flags.has('--open-rooms')) args.push('--open-rooms');
  const optional = { heartbeatSecs: '--heartbeat-secs', resumeGraceSecs: '--resume-grace-secs', crashGraceSecs: '--crash-grace-secs' };
  for (const [k, flag] of Object.entries(optional)) {
    if (options[k] !== undefined && flags.has(flag)) args.push(flag, String(options[k]));
  }
  if (options.redisUrl) args.push('--redis', options.redisUrl, '--node-id', options.nodeId ?? `node-${port}`);
  const child = net.spawnIn(net.server, SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' } });
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  child.stderr.on('data', (d) => log?.write(d));
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rtcroom-server printed no listening line in 10 s: ${out}`)), 10_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`rtcroom-server exited (${code ?? sig}) before listening: ${out}`)); });
    child.stdout.on('data', (d) => {
      log?.write(d);
      out += d;
      if (/rtcroom-server listening on/.test(out)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve();
      }
    });
  });
  return { child, pid: child.pid, port, args, log };
}

/** SIGKILLs the server (by PID) and waits for it to be gone. */
export async function killServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const gone = new Promise((r) => server.child.once('exit', r));
  process.kill(server.pid, 'SIGKILL');
  await gone;
}

// ------------------------------------------------------------ participants

/**
 * Launches Chromium inside participant i's namespace, opens the recovery page
 * of `impl` ('rtcroom' | 'baseline') from `origin` (default: the server) and
 * joins `room` with a canvas of `color`, through `urls` if given (signaling
 * URLs of several nodes; default: the page's server).
 * Resolves with { i, impl, browser, page, pid, id, name, color, kill() }.
 */
export async function launchParticipant(net, i, { impl, room, name = `p${i}`, color, logs = [], origin = net.baseURL, urls = undefined }) {
  const browser = await chromium.launch({ executablePath: net.chromiumWrapper(i), headless: true, args: CHROMIUM_ARGS });
  const pid = net.chromiumPid(i);
  try {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const page = await context.newPage();
    page.on('pageerror', (e) => logs.push(`[${name}] pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') logs.push(`[${name}] console.error: ${m.text()}`); });
    await page.goto(`${origin}/bench/recovery-${impl}.html`);
    await page.waitForFunction(() => window.rf?.ready === true, null, { timeout: 20_000 });
    const id = await page.evaluate((o) => window.rf.start(o), { room, name, color, urls });
    const p = {
      i, impl, browser, page, pid, id, name, color, logs, killed: false,
      /** SIGKILL of this participant's browser process (a crashed tab/browser). */
      kill() { p.killed = true; try { process.kill(pid, 'SIGKILL'); } catch {} },
      async close() { if (!p.killed) await browser.close().catch(() => {}); else p.kill(); },
    };
    return p;
  } catch (e) {
    await browser.close().catch(() => {});
    throw e;
  }
}

export const snapshot = (p) => p.page.evaluate(() => window.rf.snapshot());

// ------------------------------------------------------------------ colours

function hexToRgb(hex) {
  const n = parseInt(hex, 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}
export function colorClose(sample, hex, tolerance = TOLERANCE) {
  if (!sample || !sample.videoWidth) return false;
  const w = hexToRgb(hex);
  return Math.abs(sample.r - w.r) <= tolerance && Math.abs(sample.g - w.g) <= tolerance && Math.abs(sample.b - w.b) <= tolerance;
}

/** Polls `viewer`'s video of `which` ({participant} or {trackId}) until it shows `hex`; returns the time or null on timeout. */
export async function waitColor(viewer, which, hex, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await viewer.page.evaluate((w) => window.rf.sample(w), which).catch(() => null);
    if (colorClose(last, hex)) return { at: Date.now(), sample: last };
    await sleep(100);
  }
  return { at: null, sample: last };
}

// ------------------------------------------------------------------ metrics

/** The remote video track entries of `snap` coming from `participant` (the camera first). */
export function tracksFrom(snap, participant) {
  return Object.entries(snap.tracks)
    .filter(([, t]) => t.participant === participant)
    .map(([id, t]) => ({ id, ...t }))
    .sort((a, b) => (a.source === 'camera' ? -1 : 0) - (b.source === 'camera' ? -1 : 0) || (a.firstFrameAt ?? Infinity) - (b.firstFrameAt ?? Infinity));
}

/** Longest gap between framesDecoded increases of `track` within [from, to] (gaps straddling the bounds count up to them). */
export function longestFreeze(track, from, to) {
  const times = track.frameTimes;
  let prev = from;
  let longest = 0;
  for (const t of times) {
    if (t < from) continue;
    if (t > to) break;
    longest = Math.max(longest, t - prev);
    prev = t;
  }
  return Math.max(longest, to - prev);
}

/** First framesDecoded increase of `track` after `t` (wall ms), or null. */
export function firstFrameAfter(track, t) {
  return track.frameTimes.find((x) => x > t) ?? null;
}

/** The first event of `snap` matching `match` at or after `since`. */
export function firstEvent(snap, match, since = 0) {
  return snap.events.find((e) => e.t >= since && Object.entries(match).every(([k, v]) => e[k] === v)) ?? null;
}

/**
 * Detection time of a path loss that started at `faultAt` on `viewer`'s
 * connection to `otherId`: for rtcroom with recovery, its `participant-state`
 * `reconnecting`; otherwise the browser's ICE `disconnected`.
 * Returns { ms, by } (ms null when never).
 */
export function detection(snap, otherId, faultAt) {
  const rs = firstEvent(snap, { type: 'participant-state', participant: otherId, state: 'reconnecting' }, faultAt);
  if (rs) return { ms: rs.t - faultAt, by: 'participant-state reconnecting' };
  const ice = firstEvent(snap, { type: 'ice', participant: otherId, state: 'disconnected' }, faultAt);
  return { ms: ice ? ice.t - faultAt : null, by: 'iceConnectionState disconnected' };
}

/** Milliseconds since `t0` of the ICE / participant-state / connection events of `snap` after `t0`: for reports. */
export function timeline(snap, t0, types = ['ice', 'pc', 'participant-state', 'connection-state', 'participant-left', 'disconnected', 'ws-closed']) {
  return snap.events.filter((e) => e.t >= t0 && types.includes(e.type))
    .map((e) => `${Math.round(e.t - t0)}ms ${e.type}${e.state ? ` ${e.state}` : ''}${e.reason ? ` (${e.reason})` : ''}`);
}
