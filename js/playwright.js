// rtcroom/playwright — what an app built on rtcroom needs to test itself
// end to end with Playwright: a Chromium launch preset (fake media, loopback
// ICE), a fixture that opens N participants whose camera is a solid colour,
// assertions that one participant receives another's live video and audio,
// and network faults for WebRTC (namespaces, nftables, tc; Linux + root).
// Types in playwright.d.ts; README "Testing your app with rtcroom/playwright".
//
// Runs in Node (the Playwright runner); needs `@playwright/test` (a peer
// dependency of this entry only). The functions passed to page.evaluate /
// addInitScript run in the browser.
import { test as base, expect, chromium } from '@playwright/test';
import { Net, canRun, sweepStale, waitForOutput, SERVER_PORT } from './playwright-net.js';

export { Net, canRun, sweepStale, waitForOutput, SERVER_PORT };

/**
 * Chromium flags for WebRTC tests (verified with Debian's Chromium): fake
 * camera, microphone and screen without prompts, ICE over loopback, media
 * that plays without a user gesture, no background work or throttling.
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
]);

/**
 * `launchOptions` for chromium.launch / a config's `use.launchOptions`:
 * CHROMIUM_ARGS plus `args`. `executablePath` is passed through as given
 * (this never downloads a browser; without one Playwright uses its own).
 */
export function launchOptions({ executablePath, args = [], headless = true } = {}) {
  const options = { headless, args: [...CHROMIUM_ARGS, ...args] };
  if (executablePath) options.executablePath = executablePath;
  return options;
}

/**
 * A config's `use` for rtcroom tests: Chromium with launchOptions(options),
 * camera and microphone permission granted to every context.
 *   use: { ...rtcroomUse({ executablePath: '/usr/bin/chromium' }), baseURL }
 */
export function rtcroomUse(options = {}) {
  return {
    browserName: 'chromium',
    headless: options.headless ?? true,
    launchOptions: launchOptions(options),
    permissions: ['camera', 'microphone'],
  };
}

/** Saturated colours far apart (VP8 and YUV 4:2:0 move them by a few units): participant i gets COLOURS[i]. */
export const COLOURS = Object.freeze(['ff2020', '2040ff', '20e020', 'f0f020', 'ff20ff', '20f0f0', 'ff9020', 'ffffff']);

/** Default per-channel tolerance of colour checks. */
export const TOLERANCE = 60;

// ------------------------------------------------------------------ in page

/**
 * Runs in the page before any of its scripts (addInitScript). Installs the
 * hook the rtcroom facade registers joined rooms with (so the assertions find
 * a participant's RTCPeerConnection), and unless `colour` is null, replaces
 * the video of getUserMedia by a canvas filled with that colour (audio stays
 * the browser's, i.e. Chromium's fake microphone with the preset).
 */
function pageSetup({ colour, width, height, fps, noise }) {
  if (!globalThis.__RTCROOM_TEST_HOOK__) {
    const rooms = new Set();
    Object.defineProperty(globalThis, '__RTCROOM_TEST_HOOK__', {
      value: Object.freeze({ rooms, join(room) { rooms.add(room); }, leave(room) { rooms.delete(room); } }),
      configurable: true,
    });
  }
  const md = globalThis.navigator?.mediaDevices;
  if (!colour || !md || globalThis.__rtcroomFakeMedia) return;
  let fill = `#${colour}`;
  const original = md.getUserMedia.bind(md);
  const size = (c, key, fallback) => {
    const v = c && typeof c === 'object' ? c[key] : undefined;
    const n = typeof v === 'number' ? v : (v && typeof v === 'object' ? (v.exact ?? v.ideal ?? v.max) : undefined);
    return Number.isFinite(n) && n >= 16 && n <= 3840 ? Math.round(n) : fallback;
  };
  function canvasTrack(constraints) {
    const canvas = document.createElement('canvas');
    canvas.width = size(constraints, 'width', width);
    canvas.height = size(constraints, 'height', height);
    const g = canvas.getContext('2d');
    // A band of changing noise at the top makes the encoder spend bits like
    // a real camera's (for bandwidth tests); the rest stays one colour.
    const band = Math.max(8, canvas.height >> 3);
    const tiles = noise ? Array.from({ length: 4 }, () => {
      const img = g.createImageData(canvas.width, band);
      for (let i = 0; i < img.data.length; i += 4) {
        img.data[i] = Math.random() * 256; img.data[i + 1] = Math.random() * 256;
        img.data[i + 2] = Math.random() * 256; img.data[i + 3] = 255;
      }
      return img;
    }) : [];
    let n = 0;
    const paint = () => {
      g.fillStyle = fill;
      g.fillRect(0, 0, canvas.width, canvas.height);
      if (tiles.length) g.putImageData(tiles[n++ % tiles.length], 0, 0);
    };
    paint();
    const track = canvas.captureStream(fps).getVideoTracks()[0];
    // captureStream only emits a frame when the canvas was drawn to.
    const timer = setInterval(() => { if (track.readyState === 'ended') clearInterval(timer); else paint(); }, 1000 / fps);
    return track;
  }
  md.getUserMedia = async function getUserMedia(constraints) {
    const c = constraints ?? {};
    if (!c.video) return original(constraints);
    const tracks = c.audio ? (await original({ audio: c.audio })).getAudioTracks() : [];
    tracks.push(canvasTrack(c.video));
    return new MediaStream(tracks);
  };
  globalThis.__rtcroomFakeMedia = {
    get colour() { return fill.slice(1); },
    setColour(hex) { fill = `#${hex}`; },
  };
}

const DEFAULT_CAMERA = { width: 640, height: 480, fps: 15, noise: false };

/**
 * Installs, in every page of `context` (a BrowserContext or a Page) opened
 * afterwards: the hook the assertions need, and a fake camera showing
 * `colour` (hex RRGGBB; null keeps the browser's camera). `noise: true` adds
 * a band of changing noise at the top so the encoder uses real bitrate.
 */
export async function installFakeMedia(context, { colour, width, height, fps, noise } = {}) {
  if (colour !== null && colour !== undefined) checkHex(colour, 'installFakeMedia: colour');
  await context.addInitScript(pageSetup, {
    colour: colour ?? null,
    width: width ?? DEFAULT_CAMERA.width,
    height: height ?? DEFAULT_CAMERA.height,
    fps: fps ?? DEFAULT_CAMERA.fps,
    noise: noise ?? DEFAULT_CAMERA.noise,
  });
}

/** Only the hook the assertions need (no fake camera): for pages that make their own media. */
export async function installRtcroomHook(context) {
  await installFakeMedia(context, { colour: null });
}

function checkHex(hex, what) {
  if (typeof hex !== 'string' || !/^[0-9a-f]{6}$/i.test(hex)) throw new TypeError(`${what} must be a hex colour RRGGBB, not ${JSON.stringify(hex)}`);
}

// ------------------------------------------------------------ participants

/**
 * A participant object: its context and page, its camera colour, and `id()`,
 * its rtcroom participant id once the page joined a room.
 */
function participantOf({ name, colour, context, page, browser = null }) {
  return {
    name, colour, context, page, browser,
    /** The participant id of the room this page joined (waits for the join). */
    id: (timeout) => participantId(page, timeout),
    /** Changes the fake camera's colour (new frames show it). */
    async setColour(hex) {
      checkHex(hex, 'setColour');
      await page.evaluate((h) => globalThis.__rtcroomFakeMedia?.setColour(h), hex);
      this.colour = hex;
    },
  };
}

/**
 * Opens one participant in a new context of `browser`: camera and microphone
 * permission, the hook and a fake camera of `colour`, one page.
 */
export async function openParticipant(browser, { name = 'participant', colour = COLOURS[0], permissions = ['camera', 'microphone'], contextOptions = {}, camera = {} } = {}) {
  const context = await browser.newContext({ ...contextOptions, permissions });
  try {
    await installFakeMedia(context, { ...camera, colour });
    const page = await context.newPage();
    return participantOf({ name, colour, context, page });
  } catch (e) {
    await context.close().catch(() => {});
    throw e;
  }
}

/** The id of the rtcroom room `page` joined; waits until it joined (one room per page). */
export async function participantId(page, timeout = 30_000) {
  const handle = await page.waitForFunction(() => {
    const hook = globalThis.__RTCROOM_TEST_HOOK__;
    if (!hook) return { error: 'no rtcroom test hook in this page (open it with rtcroom/playwright: the participants fixture, installFakeMedia or installRtcroomHook, before the page loads)' };
    const ids = [...hook.rooms].map((r) => r.id).filter(Boolean);
    if (ids.length > 1) return { error: `this page joined ${ids.length} rooms: pass the participant id as a string` };
    return ids.length === 1 ? { id: ids[0] } : false;
  }, null, { timeout, polling: 100 }).catch((e) => { throw new Error(`no joined rtcroom room in ${page.url()} within ${timeout} ms: ${e.message}`); });
  const r = await handle.jsonValue();
  if (r.error) throw new Error(r.error);
  return r.id;
}

async function resolveFrom(from) {
  if (typeof from === 'string' && from) return from;
  if (from && typeof from === 'object') {
    if (typeof from.id === 'string' && from.id) return from.id;
    if (from.page) return participantId(from.page);
  }
  throw new TypeError('`from` must be a participant id or a participant of the rtcroom/playwright fixture');
}

// -------------------------------------------------------------- assertions

/** Runs in the page: what arrives from `fromId`, per received track of `kind`. */
async function probeReceiving({ fromId, kind }) {
  const hook = globalThis.__RTCROOM_TEST_HOOK__;
  if (!hook) return { fatal: 'no rtcroom test hook in this page (open it with rtcroom/playwright: the participants fixture, installFakeMedia or installRtcroomHook, before the page loads)' };
  const rooms = [...hook.rooms];
  if (!rooms.length) return { waiting: 'the page has not joined a room' };
  let pc;
  const known = [];
  for (const room of rooms) {
    try {
      known.push(...room.participants.map((p) => p.id));
      pc = pc ?? room.peerConnection(fromId);
    } catch { /* a room being left */ }
  }
  if (!pc) return { waiting: `no connection to ${fromId} (participants: ${known.join(', ') || 'none'})` };
  const receivers = pc.getReceivers().filter((r) => r.track && r.track.kind === kind);
  const candidates = [];
  const videos = kind === 'video' ? [...document.querySelectorAll('video')] : [];
  // Firefox counts no totalVideoFrames for a MediaStream; its (Gecko-only)
  // mozPaintedFrames does count what the element painted.
  const renderedFrames = (v) => Math.max(v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0, v.mozPaintedFrames ?? 0);
  for (const receiver of receivers) {
    let inbound = null;
    try {
      (await receiver.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === kind) inbound = s; });
    } catch { /* closed meanwhile */ }
    const base = {
      track: receiver.track.id, muted: receiver.track.muted, state: receiver.track.readyState,
      bytes: inbound?.bytesReceived ?? 0, packets: inbound?.packetsReceived ?? 0, lost: inbound?.packetsLost ?? 0,
    };
    if (kind === 'audio') {
      candidates.push({ ...base, key: base.track, samples: inbound?.totalSamplesReceived ?? 0, energy: inbound?.totalAudioEnergy ?? 0, level: inbound?.audioLevel ?? 0 });
      continue;
    }
    base.framesDecoded = inbound?.framesDecoded ?? 0;
    videos.forEach((v, index) => {
      const s = v.srcObject;
      if (!(s instanceof MediaStream) || !s.getTracks().includes(receiver.track)) return;
      const c = { ...base, key: `${base.track}/${index}`, element: index, width: v.videoWidth, height: v.videoHeight, paused: v.paused, rendered: renderedFrames(v) };
      if (v.videoWidth && v.videoHeight) {
        const canvas = document.createElement('canvas');
        canvas.width = v.videoWidth;
        canvas.height = v.videoHeight;
        const g = canvas.getContext('2d', { willReadFrequently: true });
        g.drawImage(v, 0, 0);
        const d = g.getImageData(Math.max(0, (canvas.width >> 1) - 2), Math.max(0, (canvas.height >> 1) - 2), 4, 4).data;
        let r = 0, gr = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
        const n = d.length / 4;
        c.rgb = [Math.round(r / n), Math.round(gr / n), Math.round(b / n)];
      }
      candidates.push(c);
    });
  }
  if (!receivers.length) return { waiting: `no ${kind} track received from ${fromId}` };
  if (!candidates.length) return { waiting: `${receivers.length} video track(s) from ${fromId}, but no <video> element plays one` };
  return { candidates };
}

const hexRgb = (hex) => { const n = parseInt(hex, 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
const near = (rgb, want, tolerance) => !!rgb && rgb.every((v, i) => Math.abs(v - want[i]) <= tolerance);
const toHex = (rgb) => rgb ? rgb.map((v) => v.toString(16).padStart(2, '0')).join('') : 'none';

/**
 * Polls `page` until it receives live video from `from` (a participant id, or
 * a participant of the fixture: then `colour` defaults to its camera's):
 * between two samples the track's decoded frames (inbound-rtp
 * `framesDecoded`) and a `<video>` element's rendered frames both increase,
 * and that element's centre pixel is within `tolerance` of `colour` in each
 * channel (no colour given: any picture). Fails after `timeout` ms saying
 * what it saw last. Resolves with the last sample.
 */
export async function expectReceivingVideo(page, { from, colour, tolerance = TOLERANCE, timeout = 30_000 } = {}) {
  const fromId = await resolveFrom(from);
  const hex = colour ?? (typeof from === 'object' ? from.colour : undefined) ?? null;
  if (hex !== null) checkHex(hex, 'expectReceivingVideo: colour');
  const want = hex === null ? null : hexRgb(hex);
  const first = new Map();
  let last = null;
  let passed = null;
  const what = `video from ${fromId}${hex ? ` showing #${hex} (±${tolerance})` : ''}`;
  await poll(page, async () => {
    last = await page.evaluate(probeReceiving, { fromId, kind: 'video' });
    if (last.fatal) return true;
    for (const c of last.candidates ?? []) {
      const ok = c.width > 0 && (!want || near(c.rgb, want, tolerance));
      if (!ok) { first.delete(c.key); continue; }
      const f = first.get(c.key);
      if (!f) { first.set(c.key, c); continue; }
      if (c.framesDecoded > f.framesDecoded && c.rendered > f.rendered) { passed = c; return true; }
    }
    return false;
  }, timeout, () => `${page.url()} should receive ${what} with decoded and rendered frames increasing; last: ${describe(last, 'video')}`);
  if (last?.fatal) throw new Error(last.fatal);
  return passed;
}

/**
 * Polls `page` until it receives audio from `from`: between two samples the
 * track's inbound-rtp bytes and samples (`totalSamplesReceived`) increase.
 * `audible: true` also requires its `totalAudioEnergy` to increase (not
 * silence); Chromium measures that only while the page plays the track (an
 * unmuted media element). Fails after `timeout` ms.
 */
export async function expectReceivingAudio(page, { from, audible = false, timeout = 30_000 } = {}) {
  const fromId = await resolveFrom(from);
  const first = new Map();
  let last = null;
  let passed = null;
  await poll(page, async () => {
    last = await page.evaluate(probeReceiving, { fromId, kind: 'audio' });
    if (last.fatal) return true;
    for (const c of last.candidates ?? []) {
      const f = first.get(c.key);
      if (!f) { first.set(c.key, c); continue; }
      if (c.bytes > f.bytes && c.samples > f.samples && (!audible || c.energy > f.energy)) { passed = c; return true; }
    }
    return false;
  }, timeout, () => `${page.url()} should receive ${audible ? 'audible ' : ''}audio from ${fromId} (inbound bytes, samples${audible ? ' and energy' : ''} increasing); last: ${describe(last, 'audio')}`);
  if (last?.fatal) throw new Error(last.fatal);
  return passed;
}

function describe(probe, kind) {
  if (!probe) return 'no sample';
  if (probe.waiting) return probe.waiting;
  return (probe.candidates ?? []).map((c) => (kind === 'video'
    ? `track ${c.track} in <video> #${c.element}: ${c.width}x${c.height}, centre #${toHex(c.rgb)}, framesDecoded ${c.framesDecoded}, rendered ${c.rendered}${c.paused ? ', paused' : ''}${c.muted ? ', muted' : ''}`
    : `track ${c.track}: bytes ${c.bytes}, samples ${c.samples}, energy ${c.energy.toFixed(4)}${c.muted ? ', muted' : ''}`)).join('; ') || 'nothing';
}

/** expect.poll with the helper's own failure message (which says what was seen last). */
async function poll(page, check, timeout, message) {
  try {
    await expect.poll(check, { timeout, intervals: [100, 200, 250] }).toBe(true);
  } catch (e) {
    const err = new Error(message());
    err.cause = e;
    throw err;
  }
}

// ------------------------------------------------------------ network faults

/**
 * A Net (playwright-net.js: router, server and participant namespaces,
 * nftables/tc faults) that also launches each participant's Chromium inside
 * its namespace with the preset and a fake colour camera.
 */
export class FaultyNetwork extends Net {
  #browsers = [];

  /**
   * Launches Chromium in participant i's namespace (1-based) and opens a
   * page in a context with camera/mic permission and a fake camera of
   * `colour`. `baseURL` (the server namespace's origin) is treated as a
   * secure context, so getUserMedia works on its http:// pages. Resolves with a participant plus `browser`, `pid` and `kill()`
   * (SIGKILL of that browser, by PID).
   */
  async launchParticipant(i, { name = `p${i}`, colour = COLOURS[(i - 1) % COLOURS.length], executablePath = '/usr/bin/chromium', args = [], contextOptions = {}, camera = {} } = {}) {
    // Pages come from http://10.77.0.2:…, not a secure context: without this
    // flag they would have no navigator.mediaDevices.
    const secure = `--unsafely-treat-insecure-origin-as-secure=${this.baseURL}`;
    const browser = await chromium.launch({ ...launchOptions({ args: [secure, ...args] }), executablePath: this.chromiumWrapper(i, executablePath) });
    this.#browsers.push(browser);
    const pid = this.chromiumPid(i);
    const context = await browser.newContext({ ...contextOptions, permissions: ['camera', 'microphone'] });
    await installFakeMedia(context, { ...camera, colour });
    const page = await context.newPage();
    const p = participantOf({ name, colour, context, page, browser });
    p.pid = pid;
    p.kill = () => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
    return p;
  }

  /** Closes the browsers it launched, kills what runs in the namespaces, deletes them. Idempotent. */
  async close() {
    await Promise.all(this.#browsers.splice(0).map((b) => b.close().catch(() => {})));
    this.destroySync();
  }
}

/**
 * `test` with two fixtures:
 * - `participants(count = 2, options?)` → participants (contexts of the
 *   test's browser, each with a fake camera of COLOURS[i] and the hook),
 *   closed after the test;
 * - `faultyNetwork(options?)` → a FaultyNetwork (root only: the test is
 *   skipped with the reason otherwise); its browsers, processes, rules and
 *   namespaces are removed after the test, whatever its outcome.
 */
export const test = base.extend({
  participants: async ({ browser }, use) => {
    const opened = [];
    await use(async (count = 2, { names, colours = COLOURS, ...options } = {}) => {
      const made = [];
      for (let i = 0; i < count; i++) {
        const p = await openParticipant(browser, { ...options, name: names?.[i] ?? `p${opened.length + 1}`, colour: colours[(opened.length) % colours.length] });
        opened.push(p);
        made.push(p);
      }
      return made;
    });
    await Promise.all(opened.map((p) => p.context.close().catch(() => {})));
  },
  faultyNetwork: async ({}, use, testInfo) => {
    const nets = [];
    try {
      await use(async (options = {}) => {
        const why = canRun(options);
        testInfo.skip(!!why, `network faults unavailable: ${why}`);
        const net = new FaultyNetwork(options);
        nets.push(net);
        return net;
      });
    } finally {
      for (const net of nets) await net.close();
    }
  },
});

export { expect };
