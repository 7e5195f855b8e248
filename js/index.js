// rtcroom — the typed Room API over the WebAssembly driver.
// Plain ES module, no bundler needed; types in index.d.ts.
// Importing it has no effect outside a browser (SSR, Node): nothing is
// fetched, no timer or listener is left behind.
import initGlue, { joinRoom } from './rtcroom.js';
import { INITIAL_SNAPSHOT, nextSnapshot } from './room-state.js';

/**
 * Every error rtcroom throws or rejects with. `code` is stable (the README
 * lists them); `cause` holds what the browser or the driver threw, if anything.
 */
export class RtcroomError extends Error {
  // Kept through minification (scripts/minify.mjs drops other names).
  static name = 'RtcroomError';
  constructor(code, message, options) {
    super(message, options);
    this.name = 'RtcroomError';
    this.code = code;
  }
}

/**
 * `e` as an RtcroomError. The driver throws plain Errors that carry a string
 * `code`; anything else the browser threw at us becomes `fallback`.
 */
function rtcroomError(e, fallback = 'browser-error') {
  if (e instanceof RtcroomError) return e;
  const code = typeof e?.code === 'string' && e.code ? e.code : fallback;
  const message = typeof e?.message === 'string' ? e.message : String(e);
  return new RtcroomError(code, message, { cause: e });
}

/** Calls `f` on the driver, rethrowing (or rejecting) as an RtcroomError. */
function call(f) {
  let r;
  try { r = f(); } catch (e) { throw rtcroomError(e); }
  if (r && typeof r.then === 'function') return r.then(undefined, (e) => { throw rtcroomError(e); });
  return r;
}

// Two builds of the driver, one glue (this file bundles it): rtcroom_bg.wasm
// (mesh rooms) and rtcroom_sfu_bg.wasm (every room, SFU ones too). A page
// that never joins an SFU room never downloads the second; one that loads
// the SFU build first uses it for every room. Each entry: the promise of a
// loaded build's glue (`joinRoom`), or null.
const builds = { mesh: null, sfu: null };
// Whether the bundled glue runs a build; a second build (the SFU one after
// the mesh one) runs in a second instance of it, rtcroom_sfu.js.
let glueTaken = false;

// What the facade calls on a loaded build (named imports: the bundler then
// leaves out the glue's exports nobody calls, such as `initSync`).
const bundledGlue = { joinRoom };

function instantiate(url) {
  if (glueTaken) return import('./rtcroom_sfu.js').then((g) => g.default({ module_or_path: url }).then(() => g));
  glueTaken = true;
  return Promise.resolve(initGlue({ module_or_path: url })).then(() => bundledGlue, (e) => {
    glueTaken = false;
    throw e;
  });
}

/**
 * The glue of a loaded build: the SFU one if `sfu`, else whichever is loaded
 * or loading (the SFU build runs mesh rooms too), else the mesh one.
 */
function loadBuild(sfu, wasmUrl) {
  const key = sfu ? 'sfu' : 'mesh';
  if (!sfu && !builds.mesh && builds.sfu && !wasmUrl) return builds.sfu;
  // A failed load resets its entry, so an explicit URL gets its own attempt.
  if (builds[key] && wasmUrl) return builds[key].catch(() => loadBuild(sfu, wasmUrl));
  if (!builds[key]) {
    let started;
    try {
      // The URLs are written out so that bundlers (Vite, webpack 5, Parcel)
      // see both assets and emit them; plain pages resolve them next to
      // this file.
      started = instantiate(wasmUrl || (sfu
        ? new URL('./rtcroom_sfu_bg.wasm', import.meta.url)
        : new URL('./rtcroom_bg.wasm', import.meta.url)));
    } catch (e) {
      started = Promise.reject(e);
    }
    builds[key] = started.catch((e) => {
      builds[key] = null;
      throw rtcroomError(e, 'wasm-load-failed');
    });
  }
  return builds[key];
}

/**
 * Loads and instantiates the WebAssembly module (once). `Room.join` calls it;
 * call it yourself to preload, or to load the .wasm from another URL:
 * `load(wasmUrl)` (the mesh build), `load({ sfu: 'janus', wasmUrl })` (the
 * SFU build, which an SFU room needs; it runs mesh rooms too).
 */
export function load(options) {
  const { sfu, wasmUrl } = options && typeof options === 'object' && !(options instanceof URL)
    ? options : { wasmUrl: options };
  if (sfu !== undefined && sfu !== 'janus') return Promise.reject(invalid("load: options.sfu must be 'janus'"));
  return loadBuild(sfu === 'janus', wasmUrl).then(() => undefined);
}

// Start fetching and compiling the module as soon as the package is
// imported, so `Room.join` does not wait for it (it takes tens of ms). Only
// in a browser page with WebRTC: in Node (SSR), a worker or a DOM emulation
// (jsdom) importing does nothing at all, and the module loads on first use.
// It starts in a microtask, after the modules that import this one have run:
// a page that calls `load({ sfu: 'janus' })` (or joins an SFU room) at once
// preloads the SFU build only. Once loaded, a dry-run call runs at idle time
// (two in-page rooms, nothing on the network): first calls compile, and a
// page's first call would pay ~15 ms of its time to `connected` for that.
// A `Room.join` cancels it.
let warmed = () => {};
const warming = new Promise((resolve) => { warmed = resolve; });
// Set by the first `Room.join`: the dry run stops where it is (its work
// would only compete with the join for the main thread).
let warmUpCancelled = false;
if (typeof window === 'object' && typeof document === 'object' && typeof WebAssembly === 'object'
    && typeof RTCPeerConnection === 'function') {
  queueMicrotask(() => loadBuild(false).then((glue) => {
    const idle = window.requestIdleCallback ?? ((f) => setTimeout(f, 0));
    idle(() => { warmUp(glue).then(warmed, warmed); });
  }, warmed));
} else {
  warmed();
}

/**
 * The driver's `joinRoom`: the room exists at once and settles once joined
 * (resolves with its handle) or failed (rejects; the handle is freed).
 */
function joinHandle(glue, urls, options, onEvent, relay) {
  return new Promise((resolve, reject) => {
    const handle = glue.joinRoom(urls, options, onEvent, relay, (error) => {
      if (error === undefined) return resolve(handle);
      // Not from inside the driver's call.
      queueMicrotask(() => handle.free());
      reject(error);
    });
  });
}

/**
 * The dry-run call: two rooms of this page join, each publishes a blank
 * canvas track as its camera, and they call each other through a relay in
 * memory (`relay` below, what a signaling server does for a call, frames as
 * JSON text through the driver's codec): join, welcome, connection build,
 * publish, offer and answer, announcements, remote tracks, events, leave —
 * the code every call runs, in the wasm and here. Nothing reaches the
 * network: there is no server, and the connections are relay-only with no
 * TURN server, so ICE gathers nothing (no socket, no mDNS name). Over when
 * each room has the other's track, after 2 s, or once a `Room.join` began.
 */
async function warmUp(glue) {
  const sides = [];
  // One port per room (the driver's `transport::JsConnector`): frames to
  // it as `message` events, delivered later as a network would (in order).
  const relay = () => {
    const port = new EventTarget();
    const id = `warm-up-${sides.length}`;
    const deliver = (frame) => queueMicrotask(() => port.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) })));
    const side = { id, deliver };
    port.send = (text) => {
      const frame = JSON.parse(text);
      if (frame.type === 'join') {
        deliver({ type: 'welcome', session: 'v1.warm-up', resumeGraceMs: 20000, peers: sides.map((s) => ({ id: s.id })), id });
        for (const s of sides) s.deliver({ type: 'peer-joined', peer: { id } });
        sides.push(side);
      } else if (frame.type === 'signal') {
        for (const s of sides) if (s !== side) s.deliver({ ...frame, from: id });
      }
    };
    port.close = () => { sides.splice(sides.indexOf(side) >>> 0, 1); };
    return port;
  };
  const handles = [];
  const tracks = [];
  let received = 0;
  try {
    while (handles.length < 2 && !warmUpCancelled) {
      const handle = await joinHandle(glue, [], { room: 'warm-up', iceTransportPolicy: 'relay' }, (name) => {
        if (name === 'track') received += 1;
      }, relay);
      handles.push(handle);
      // Each room's camera: a blank canvas's track (no frames).
      const c = document.createElement('canvas');
      c.width = 640;
      c.height = 480;
      const track = c.captureStream(0).getVideoTracks()[0];
      tracks.push(track);
      handle.op(OP.publishTrack, track, 'camera');
    }
    for (let waited = 0; handles.length === 2 && received < 2 && waited < 2000 && !warmUpCancelled; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    for (const handle of handles) { handle.op(OP.leave); handle.free(); }
    for (const track of tracks) track.stop();
  }
}

/**
 * Resolves once the import-time warm-up is over (run, cancelled by a join,
 * or not done at all outside a browser page). Never rejects.
 */
export function warmedUp() {
  return warming;
}

function checkUrl(url) {
  let parsed = null;
  try { parsed = new URL(url); } catch { /* reported below */ }
  if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) {
    throw invalid(`Room.join: "${url}" is not a ws:// or wss:// URL`);
  }
}

/** Every event name `room.on` accepts. */
export const ROOM_EVENTS = Object.freeze([
  'participant-joined', 'participant-updated', 'participant-left',
  'track', 'track-removed', 'track-muted', 'track-unmuted', 'track-published', 'track-unpublished',
  'message', 'connection-state', 'participant-state', 'quality-changed', 'devices-changed', 'warning',
  'state-changed',
]);

/**
 * The media devices: `[{ kind, deviceId, label, groupId }]`
 * (`enumerateDevices`; no wasm needed). A field that is not a string is ''.
 */
export async function listDevices() {
  const devices = globalThis.navigator?.mediaDevices;
  if (!devices) throw new RtcroomError('media-failed', 'media error: mediaDevices is unavailable (not a secure context?)');
  let list;
  try { list = await devices.enumerateDevices(); } catch (e) { throw rtcroomError(e, 'media-failed'); }
  const text = (v) => (typeof v === 'string' ? v : '');
  return Array.from(list, (d) => ({
    kind: text(d.kind), deviceId: text(d.deviceId), label: text(d.label), groupId: text(d.groupId),
  }));
}

// Joined rooms stay alive until `leave()` or the end of the session, whether
// or not the app keeps a reference (as an open WebSocket does).
const joined = new Set();

function invalid(message) {
  return new RtcroomError('invalid-argument', message);
}

function checkTrack(track, method) {
  if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
    throw invalid(`${method}: expected a MediaStreamTrack`);
  }
}

// What `send` passes the driver: the string, or a Uint8Array of the bytes
// (the driver copies either without looking at buffer types itself).
function sendData(data) {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalid('send() takes a string, an ArrayBuffer or a typed array');
}

// The driver's methods, by number: one wasm export (`RoomHandle.op`) runs
// them all (each export costs a shim in the wasm and a wrapper in the glue);
// the same numbers are `op::*` in src/web/bindings.rs. Arguments are checked
// here first.
const OP = {
  id: 0, state: 1, publishCamera: 2, publishScreen: 3, publishTrack: 4, unpublish: 5,
  switchDevice: 6, setMuted: 7, send: 8, updateMeta: 9, setVideoSize: 10, restartIce: 11,
  localTracks: 12, stats: 13, peerConnection: 14, leave: 15, captured: 16, recaptured: 17,
};

/**
 * getUserMedia (`screen`: getDisplayMedia) with the driver's `constraints`:
 * `[stream]`, or `[undefined, error]` (the driver maps it to its code;
 * neither without `navigator.mediaDevices`). The driver decides what to
 * capture and what to do with it, before and after (`OP.captured`,
 * `OP.recaptured`); only this wait happens here.
 */
function capture(screen, constraints) {
  return new Promise((resolve) => {
    const devices = globalThis.navigator?.mediaDevices;
    resolve(devices && (screen ? devices.getDisplayMedia(constraints) : devices.getUserMedia(constraints)));
  }).then((stream) => [stream], (error) => [undefined, error]);
}

export class Room {
  static name = 'Room';
  #handle = null;
  #id = '';
  #listeners = new Map();
  // Events that happen while joining are held until the caller has had a
  // chance to subscribe right after `await Room.join(...)`.
  #held = [];
  #live = false;
  // The room model as immutable versioned snapshots (room-state.js), and the
  // last one `state-changed` reported.
  #snapshot = INITIAL_SNAPSHOT;
  #notified = INITIAL_SNAPSHOT;
  #flushQueued = false;
  // Per source, the camera / microphone toggle in progress: toggles run one
  // after the other, so two `setCameraEnabled(true)` publish once.
  #toggles = new Map();

  /** Use `Room.join`. */
  constructor(token) {
    if (token !== PRIVATE) throw invalid('use Room.join(url, options)');
  }

  /**
   * Connects to an rtcroom signaling server and joins `options.room`.
   * Rejects with an RtcroomError whose `code` says why (`signaling-failed`,
   * `join-timeout`, `join-refused`, `invalid-argument`, …).
   */
  static async join(url, options = {}) {
    // Several URLs: server nodes sharing rooms; the core picks one and moves
    // on to the next when a socket fails (failover keeps the session).
    const urls = Array.isArray(url) ? url : [url];
    if (options?.sfu !== undefined) {
      // SFU rooms (Janus VideoRoom): `room` is the VideoRoom's number.
      if (options.sfu !== 'janus') throw invalid("Room.join: options.sfu must be 'janus'");
      if (!Number.isSafeInteger(options.room) || options.room < 0) {
        throw invalid('Room.join(url, { sfu: "janus", room }) needs a VideoRoom number');
      }
      if (typeof url !== 'string') throw invalid('Room.join(url, { sfu: "janus" }) takes one Janus URL');
    } else if (!urls.length || urls.some((u) => typeof u !== 'string') || !options || typeof options.room !== 'string' || !options.room) {
      throw invalid('Room.join(url | urls, { room }) needs a url (or a non-empty array of urls) and a room name');
    }
    urls.forEach(checkUrl);
    if (options.token !== undefined && (typeof options.token !== 'string' || !options.token)) {
      throw invalid('Room.join: options.token must be a non-empty string (a join token from your backend)');
    }
    if (options.iceTransportPolicy !== undefined && options.iceTransportPolicy !== 'all' && options.iceTransportPolicy !== 'relay') {
      throw invalid("Room.join: options.iceTransportPolicy must be 'all' or 'relay'");
    }
    warmUpCancelled = true;
    const glue = await loadBuild(options.sfu !== undefined, options.wasmUrl);
    const room = new Room(PRIVATE);
    const { wasmUrl, ...wasmOptions } = options;
    // Weak in the wasm callback (no JS<->wasm cycle); the `joined` set keeps
    // the room alive until it is left or fails for good.
    const ref = new WeakRef(room);
    room.#handle = await call(() => joinHandle(glue, urls, wasmOptions, (name, payload) => ref.deref()?.#emit(name, payload)));
    room.#id = room.#handle.op(OP.id);
    joined.add(room);
    // rtcroom/playwright installs this hook before a test page runs, to find
    // the page's rooms (peer connections, for its assertions). Absent otherwise.
    globalThis.__RTCROOM_TEST_HOOK__?.join(room);
    setTimeout(() => room.#release(), 0);
    return room;
  }

  /** The session: 'joined', 'resuming' (signaling lost, media flowing), 'left', 'failed'. */
  get state() { return this.#handle ? this.#handle.op(OP.state) : 'left'; }

  #liveHandle() {
    if (!this.#handle) throw new RtcroomError('not-joined', 'this room was left');
    return this.#handle;
  }

  /** Runs driver method `op` (an `OP` number) with its checked arguments. */
  #op(op, a, b, c, d) { return call(() => this.#liveHandle().op(op, a, b, c, d)); }

  /** Our participant id. */
  get id() { return this.#id; }

  /**
   * The room as an immutable snapshot: `{ version, connectionState,
   * localPublications, participants }`. The same object until something
   * changes; then a new one with `version + 1` that keeps every unchanged
   * participant, publication and track (`state-changed` says when).
   */
  get snapshot() { return this.#snapshot; }

  /** Everyone else currently in the room (empty once left): `snapshot.participants`. */
  get participants() { return this.#snapshot.participants; }

  /** How many listeners `name` (or every event) has: for tests and leak checks. */
  listenerCount(name) {
    if (name !== undefined) return this.#listeners.get(name)?.size ?? 0;
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on(name, fn) {
    if (!ROOM_EVENTS.includes(name)) throw invalid(`unknown event "${name}"`);
    if (typeof fn !== 'function') throw invalid(`on("${name}", fn): fn must be a function`);
    if (!this.#listeners.has(name)) this.#listeners.set(name, new Set());
    this.#listeners.get(name).add(fn);
    return () => this.off(name, fn);
  }

  off(name, fn) { this.#listeners.get(name)?.delete(fn); }

  once(name, fn) {
    const off = this.on(name, (e) => { off(); fn(e); });
    return off;
  }

  /** Resolves with the next `name` event for which `filter` is true. */
  waitFor(name, filter = () => true, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      let timer = null;
      // Subscribe first: an unknown name rejects before any timer exists.
      const off = this.on(name, (e) => { if (filter(e)) { clearTimeout(timer); off(); resolve(e); } });
      timer = setTimeout(() => { off(); reject(new RtcroomError('timeout', `no "${name}" event within ${timeoutMs} ms`)); }, timeoutMs);
    });
  }

  /** Camera + microphone (getUserMedia `constraints`, default both). */
  async publishCamera(constraints) { return this.#capture(OP.publishCamera, constraints); }

  // The driver begins the capture (first negotiations wait for it) and says
  // what to ask for; it publishes what the browser gave, or stops it.
  async #capture(op, options) {
    const [id, constraints, hint] = this.#op(op, options);
    const [stream, error] = await capture(op === OP.publishScreen, constraints);
    return this.#settle(stream, () => this.#op(OP.captured, id, stream, error, hint));
  }

  // A new capture for a published track (device switch, camera unmute):
  // `plan` is the driver's `[old track id, constraints]`.
  async #recapture([old, constraints], unmute) {
    const [stream, error] = await capture(false, constraints);
    return this.#settle(stream, () => this.#op(OP.recaptured, old, stream, error, unmute));
  }

  // Hands a capture to the driver; if the room was left meanwhile (no
  // driver to take it), its tracks are stopped here.
  #settle(stream, f) {
    if (!this.#handle) stream?.getTracks().forEach((t) => t.stop());
    return f();
  }

  /**
   * Screen share next to the camera (a stream of its own): `{ preset:
   * 'text' | 'motion', contentHint?, audio?, video? }`. `text` (default):
   * up to 1080p at 15 fps, `contentHint: 'detail'`; `motion`: 720p at 30
   * fps, `'motion'`. Stops by `unpublish`, or when the user ends it in the
   * browser (`track-unpublished` with reason `ended`).
   */
  async publishScreen(options) {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalid('publishScreen takes an options object');
    return this.#capture(OP.publishScreen, options);
  }

  /** Publishes any track, e.g. a canvas capture. `source` defaults by kind. */
  async publishTrack(track, options = {}) {
    checkTrack(track, 'publishTrack');
    const { source } = options ?? {};
    if (source !== undefined && typeof source !== 'string') throw invalid('publishTrack: source must be a string');
    this.#op(OP.publishTrack, track, source);
  }

  /** Stops publishing `track` (tracks the SDK acquired are stopped too). */
  async unpublish(track) {
    checkTrack(track, 'unpublish');
    this.#op(OP.unpublish, track);
  }

  /**
   * Mutes (the others get `track-muted`) or unmutes (`track-unmuted`) one of
   * our published tracks. A camera the SDK captured is released while muted
   * (light off) and captured again from the same device on unmute: then
   * the promise resolves with the new track (same publication, no
   * renegotiation); otherwise with `track` (silence or black frames while
   * muted).
   */
  async setMuted(track, muted) {
    checkTrack(track, 'setMuted');
    if (typeof muted !== 'boolean') throw invalid('setMuted: muted must be a boolean');
    const source = this.localPublications.find((p) => p.track.id === track.id)?.source;
    const plan = this.#op(OP.setMuted, track, muted);
    const now = plan ? await this.#recapture(plan, true) : track;
    // The driver reports no event for our own mute (nor for the camera's
    // new capture on unmute): the snapshot learns them here.
    if (now !== track && source) this.#apply('local-track-replaced', { source, track: now });
    this.#apply('local-muted', { track: now, muted });
    return now;
  }

  /**
   * A message (string, ArrayBuffer or typed array) to everyone or to
   * `{ to: participantId }`. Reliable by default (ordered, once, also across
   * a path loss or a resume); `{ reliable: false }`: unordered, no
   * retransmits, dropped while that channel is not open. To everyone:
   * returns the participants it could not be queued for, `[{ participant, code }]`.
   */
  send(data, options = {}) {
    const bytes = sendData(data);
    const { to, reliable = true } = options ?? {};
    if (to !== undefined && typeof to !== 'string') throw invalid('send: `to` must be a participant id');
    return this.#op(OP.send, bytes, to, reliable !== false);
  }

  /** Replaces this participant's metadata; the others get `participant-updated`. */
  updateMeta(meta) {
    if (!meta || typeof meta !== 'object') throw invalid('updateMeta takes an object of strings');
    this.#op(OP.updateMeta, meta);
  }

  /** The tracks this participant publishes. */
  get localTracks() { return this.#handle ? this.#op(OP.localTracks) : []; }

  /** What we publish: `[{ track, publication, kind, source, muted }]` (`snapshot.localPublications`). */
  get localPublications() { return this.#snapshot.localPublications; }

  /** The media devices (see the module's `listDevices`). */
  async listDevices() { return listDevices(); }

  /**
   * Switches our published camera (`'video'`) or microphone (`'audio'`) to
   * another device with `replaceTrack`: no renegotiation, the others keep
   * their track and its publication; the old track is stopped. Resolves
   * with the new track.
   */
  async switchDevice(kind, deviceId) {
    if (kind !== 'video' && kind !== 'audio') throw invalid("switchDevice: kind must be 'video' or 'audio'");
    if (typeof deviceId !== 'string' || !deviceId) throw invalid('switchDevice: deviceId must be a non-empty string');
    const track = await this.#recapture(this.#op(OP.switchDevice, kind, deviceId), false);
    // Same publication, new track (no event: the others see no change).
    this.#apply('local-track-replaced', { source: kind === 'video' ? 'camera' : 'microphone', track });
    return track;
  }

  /** Whether our camera is published and not muted. */
  get isCameraEnabled() { return this.#sourceEnabled('camera'); }
  get isMicrophoneEnabled() { return this.#sourceEnabled('microphone'); }

  /**
   * Turns the camera on (publishes it with getUserMedia the first time, with
   * `constraints` for its video if given; unmutes it after, capturing the
   * same device again) or off (mutes it and releases the capture: the light
   * goes off; the others get `track-muted`). Calls run one after the other:
   * a second `true` while the first is publishing publishes nothing more.
   */
  async setCameraEnabled(enabled, constraints) { return this.#setSourceEnabled('camera', enabled, { video: constraints ?? true, audio: false }); }
  /** The same for the microphone (silence while off). */
  async setMicrophoneEnabled(enabled, constraints) { return this.#setSourceEnabled('microphone', enabled, { video: false, audio: constraints ?? true }); }

  #sourceEnabled(source) {
    const p = this.localPublications.find((x) => x.source === source);
    return !!p && !p.muted;
  }

  #setSourceEnabled(source, enabled, constraints) {
    if (typeof enabled !== 'boolean') throw invalid(`set${source === 'camera' ? 'Camera' : 'Microphone'}Enabled takes a boolean`);
    const run = (this.#toggles.get(source) ?? Promise.resolve()).then(async () => {
      const p = this.localPublications.find((x) => x.source === source);
      if (!p) {
        if (enabled) await this.publishCamera(constraints);
        return;
      }
      if (p.muted === enabled) await this.setMuted(p.track, !enabled);
    });
    const settled = run.then(() => {}, () => {});
    this.#toggles.set(source, settled);
    settled.then(() => { if (this.#toggles.get(source) === settled) this.#toggles.delete(source); });
    return run;
  }

  /**
   * The latest stats of the connection to one participant (sampled every
   * 400 ms once connected; see README "Stats and quality"), or null before
   * the first sample or for an unknown participant.
   */
  stats(participantId) {
    if (typeof participantId !== 'string') throw invalid('stats takes a participant id');
    return this.#handle ? this.#op(OP.stats, participantId) : null;
  }

  /** The RTCPeerConnection to one participant (for getStats and debugging). */
  peerConnection(participantId) {
    if (typeof participantId !== 'string') throw invalid('peerConnection takes a participant id');
    return this.#handle ? this.#op(OP.peerConnection, participantId) : undefined;
  }

  /**
   * SFU rooms (adaptive stream): how the app renders a received video track.
   * `width`/`height` in device pixels (CSS size × devicePixelRatio),
   * `visible: false` when it is off screen or hidden. The subscription's
   * simulcast layer follows (the smallest layer covering the width; hidden:
   * paused). No effect in a mesh room.
   */
  setVideoSize(track, { width, height, visible = true } = {}) {
    checkTrack(track, 'setVideoSize');
    const dim = (n) => Number.isFinite(n) && n >= 0 ? Math.min(Math.round(n), 0xffffffff) : null;
    const w = dim(width), h = dim(height);
    if (w === null || h === null) throw invalid('setVideoSize(track, { width, height, visible }) takes sizes in pixels');
    this.#op(OP.setVideoSize, track, w, h, visible !== false);
  }

  /** Asks for an ICE restart towards one participant. */
  restartIce(participantId) {
    if (typeof participantId !== 'string') throw invalid('restartIce takes a participant id');
    this.#op(OP.restartIce, participantId);
  }

  /** Leaves the room (also done on `pagehide`) and frees it; idempotent. */
  async leave() {
    const handle = this.#handle;
    this.#handle = null;
    joined.delete(this);
    globalThis.__RTCROOM_TEST_HOOK__?.leave(this);
    if (!handle) return;
    call(() => handle.op(OP.leave));
    handle.free();
    // Also when the driver's own `disconnected` event came first (no change then).
    this.#apply('connection-state', { state: 'disconnected', reason: 'left' });
  }

  /** Applies one event to the snapshot; `state-changed` once per batch (synchronous run) of changes. */
  #apply(name, payload) {
    let next;
    // A payload the rules do not expect must not cost the event its delivery.
    try { next = nextSnapshot(this.#snapshot, name, payload); } catch (e) { setTimeout(() => { throw e; }); return; }
    if (next === this.#snapshot) return;
    this.#snapshot = next;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (this.#notified === this.#snapshot) return;
      this.#notified = this.#snapshot;
      this.#emit('state-changed', this.#snapshot);
    });
  }

  #emit(name, payload) {
    // Over for good (left, or failed after the last retry): let it go.
    if (name === 'connection-state' && payload?.state === 'disconnected') joined.delete(this);
    // The snapshot changes when the event happens (also while held), so
    // `room.snapshot` is current as soon as `Room.join` resolves.
    this.#apply(name, payload);
    if (!this.#live) { this.#held.push([name, payload]); return; }
    this.#deliver(name, payload);
  }

  #deliver(name, payload) {
    for (const fn of [...(this.#listeners.get(name) ?? [])]) {
      try { fn(payload); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  #release() {
    // Events raised while draining (by a listener calling into the room)
    // queue behind the held ones, so the order is kept.
    while (this.#held.length > 0) {
      const [name, payload] = this.#held.shift();
      this.#deliver(name, payload);
    }
    this.#live = true;
  }
}

const PRIVATE = Symbol('rtcroom.private');
