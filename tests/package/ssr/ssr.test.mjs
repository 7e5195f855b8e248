// (d) Server-side rendering: the installed tarball imported in Node, where
// there is no window. Importing must do nothing (no fetch, no WebAssembly
// compile, no timer or other handle left behind) and throw nothing; using
// the SDK there fails with an RtcroomError instead of crashing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('importing rtcroom in Node fetches nothing, compiles nothing and leaves no handle', async () => {
  assert.equal(typeof window, 'undefined');
  const calls = [];
  const realFetch = globalThis.fetch;
  const wasm = ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming'];
  const real = Object.fromEntries(wasm.map((k) => [k, WebAssembly[k]]));
  globalThis.fetch = (...args) => { calls.push(['fetch', String(args[0])]); return realFetch(...args); };
  for (const k of wasm) WebAssembly[k] = (...args) => { calls.push([k]); return real[k](...args); };
  const before = process.getActiveResourcesInfo();
  let mod;
  try {
    mod = await import('rtcroom');
    // Anything the import scheduled (a microtask, a timer, an idle callback) has run by now.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    globalThis.fetch = realFetch;
    for (const k of wasm) WebAssembly[k] = real[k];
  }
  assert.deepEqual(calls, []);
  // Nothing new (the runner's own handles come and go: compare counts per kind).
  const count = (list) => list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map());
  const was = count(before);
  const added = [...count(process.getActiveResourcesInfo())].filter(([k, n]) => n > (was.get(k) ?? 0));
  assert.deepEqual(added, []);
  assert.equal(typeof mod.Room, 'function');
  assert.equal(typeof mod.Room.join, 'function');
  assert.equal(typeof mod.load, 'function');
  // No warm-up outside a browser page: it is over at once.
  assert.equal(await Promise.race([mod.warmedUp().then(() => 'over'), new Promise((r) => setImmediate(() => r('pending')))]), 'over');
  assert.equal(typeof mod.RtcroomError, 'function');
  // The minified build keeps the public classes' names.
  assert.equal(mod.Room.name, 'Room');
  assert.equal(mod.RtcroomError.name, 'RtcroomError');
  assert.ok(mod.ROOM_EVENTS.includes('track'));
});

test('a Node process that only imports rtcroom exits by itself, with nothing printed', () => {
  // execFileSync fails on a non-zero exit; a handle left open would hang it
  // (the test runner's timeout catches that).
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import 'rtcroom';"], {
    cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(out, '');
});

test('RtcroomError is an Error with a code', async () => {
  const { RtcroomError } = await import('rtcroom');
  const e = new RtcroomError('timeout', 'waited', { cause: 'x' });
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'RtcroomError');
  assert.equal(e.code, 'timeout');
  assert.equal(e.message, 'waited');
  assert.equal(e.cause, 'x');
});

test('using the SDK in Node rejects with an RtcroomError, never a crash', async () => {
  const { Room, RtcroomError } = await import('rtcroom');
  await assert.rejects(Room.join('ws://127.0.0.1:9/ws', {}), (e) => e instanceof RtcroomError && e.code === 'invalid-argument');
  await assert.rejects(Room.join('http://x', { room: 'r' }), (e) => e instanceof RtcroomError && e.code === 'invalid-argument');
  // Node cannot fetch the .wasm next to the module (a file: URL): the load fails, typed.
  await assert.rejects(Room.join('ws://127.0.0.1:9/ws', { room: 'r' }), (e) => e instanceof RtcroomError && e.code === 'wasm-load-failed');
  // listDevices needs no wasm; Node has no navigator.mediaDevices.
  const { listDevices } = await import('rtcroom');
  await assert.rejects(listDevices(), (e) => e instanceof RtcroomError && e.code === 'media-failed' && /mediaDevices is unavailable/.test(e.message));
});

test('rtcroom/react renders on the server: nothing joins, the hooks give the empty snapshot', async () => {
  const { createElement: h } = await import('react');
  const { renderToString } = await import('react-dom/server');
  const {
    RoomProvider, useRoom, useParticipants, useConnectionState, useRoomSnapshot, useTracks, useLocalMedia, VideoView, AudioView,
  } = await import('rtcroom/react');
  function Status() {
    const { room, status, error } = useRoom();
    return h('p', null, `${status} ${useConnectionState()} ${useParticipants().length} ${room} ${error}`);
  }
  function Media() {
    const { camera, screen } = useLocalMedia({ camera: true });
    const s = useRoomSnapshot();
    return h('p', null, `v${s.version} tracks ${useTracks().length} camera ${camera.enabled} ${camera.pending} screen ${screen.published}`);
  }
  const calls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (...args) => { calls.push(String(args[0])); return realFetch(...args); };
  let html;
  try {
    html = renderToString(h(RoomProvider, { url: 'ws://127.0.0.1:9/ws', options: { room: 'r' } },
      h(Status), h(Media), h(VideoView, { stream: null, 'data-x': 'y', onSizeChange: () => {} }), h(AudioView, { track: null, 'data-a': 'b' })));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(calls, []);
  assert.match(html, /<p>joining connecting 0 null null<\/p>/);
  assert.match(html, /<video [^>]*data-x="y"/);
  assert.match(html, /<p>v0 tracks 0 camera false false screen false<\/p>/);
  assert.match(html, /<audio [^>]*data-a="b"/);
});
