import { test, expect } from '../fixtures.mjs';

// Room.join's rejections carry a stable `code`.
test.describe('Room.join rejects with a code', () => {
  test.beforeEach(async ({ page, baseURL }) => {
    await page.goto(`${baseURL}/test/call.html`);
    await page.waitForFunction(() => window.rt?.loaded);
  });

  const joinError = (page, url, options) => page.evaluate(async ([url, options]) => {
    const started = performance.now();
    try {
      const room = await window.rtcroom.Room.join(url ?? `ws://${location.host}/ws`, options);
      await room.leave();
      return { resolved: true };
    } catch (e) {
      return { code: e.code, message: String(e.message), isError: e instanceof Error, ms: performance.now() - started };
    }
  }, [url, options]);

  test('signaling-failed when nothing listens at the WebSocket URL', async ({ page }) => {
    // Port 9 (discard) on loopback: refused right away.
    const r = await joinError(page, 'ws://127.0.0.1:9/ws', { room: 'errors' });
    expect(r).toMatchObject({ code: 'signaling-failed', isError: true });
  });

  test('signaling-failed when the URL is not a WebSocket endpoint', async ({ page }) => {
    const r = await joinError(page, `ws://${new URL(page.url()).host}/no-such-endpoint`, { room: 'errors' });
    expect(r).toMatchObject({ code: 'signaling-failed', isError: true });
  });

  test('invalid-argument without a room', async ({ page }) => {
    expect(await joinError(page, undefined, {})).toMatchObject({ code: 'invalid-argument', isError: true });
    expect(await joinError(page, undefined, { room: '' })).toMatchObject({ code: 'invalid-argument', isError: true });
    expect(await joinError(page, undefined, undefined)).toMatchObject({ code: 'invalid-argument', isError: true });
  });

  test('invalid-argument for a URL that is not ws:// or wss://', async ({ page }) => {
    for (const url of ['', 'not a url', 'http://127.0.0.1/ws', [], ['ws://127.0.0.1:9/ws', 'http://127.0.0.1/ws'], [1]]) {
      expect(await joinError(page, url, { room: 'errors' })).toMatchObject({ code: 'invalid-argument', isError: true });
    }
  });

  test('a list of URLs is tried in turn: a dead first node, then the live one', async ({ page }) => {
    const live = `ws://${new URL(page.url()).host}/ws`;
    const r = await page.evaluate(async (urls) => {
      const room = await window.rtcroom.Room.join(urls, { room: 'errors-urls' });
      const id = room.id;
      await room.leave();
      return id;
    }, ['ws://127.0.0.1:9/ws', live]);
    expect(typeof r).toBe('string');
  });

  test('after leave() the room refuses calls with not-joined and reports no participants', async ({ page }) => {
    const r = await page.evaluate(async () => {
      const room = await window.rtcroom.Room.join(`ws://${location.host}/ws`, { room: 'errors-leave' });
      const id = room.id;
      await room.leave();
      await room.leave(); // idempotent
      const codes = [];
      for (const call of [() => room.send('x'), () => room.restartIce('p'), () => room.publishCamera()]) {
        try { await call(); codes.push('resolved'); } catch (e) { codes.push(e.code); }
      }
      return { id, sameId: room.id === id, participants: room.participants.length, codes };
    });
    expect(r.sameId).toBe(true);
    expect(r.participants).toBe(0);
    expect(r.codes).toEqual(['not-joined', 'not-joined', 'not-joined']);
  });
});

// Every rejection and throw of the facade is an RtcroomError (exported), the
// driver's own errors included (wrapped once at the facade), with its code.
test('every error is an RtcroomError with a code', async ({ page, baseURL }) => {
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const r = await page.evaluate(async () => {
    const { Room, RtcroomError } = window.rtcroom;
    const out = {};
    const attempt = async (name, f) => {
      try { await f(); out[name] = 'resolved'; } catch (e) {
        out[name] = {
          rtcroom: e instanceof RtcroomError, error: e instanceof Error, name: e.name, code: e.code,
          message: typeof e.message === 'string' && e.message.length > 0,
        };
      }
    };
    await attempt('join: no room', () => Room.join(`ws://${location.host}/ws`, {}));
    await attempt('join: refused socket', () => Room.join('ws://127.0.0.1:9/ws', { room: 'x' }));
    await attempt('join: bad iceServers (driver)', () => Room.join(`ws://${location.host}/ws`, { room: 'x', iceServers: [{ urls: ['http://x'] }] }));
    await attempt('new Room()', () => new Room());
    const room = await Room.join(`ws://${location.host}/ws`, { room: `rtcroom-error-${Math.random()}` });
    const canvas = document.createElement('canvas');
    canvas.getContext('2d').fillRect(0, 0, 1, 1);
    const a = canvas.captureStream().getVideoTracks()[0];
    const b = canvas.captureStream().getVideoTracks()[0];
    await room.publishTrack(a, { source: 'camera' });
    await attempt('publishTrack: camera twice (driver)', () => room.publishTrack(b, { source: 'camera' }));
    await attempt('publishTrack: audio source for video (driver)', () => room.publishTrack(b, { source: 'microphone' }));
    await attempt('publishTrack: unknown source (driver)', () => room.publishTrack(b, { source: 'webcam' }));
    await attempt('unpublish: not published (driver)', () => room.unpublish(b));
    await attempt('send: to nobody (driver)', () => room.send('x', { to: 'nobody' }));
    await attempt('updateMeta: not strings (driver)', () => room.updateMeta({ n: 1 }));
    await attempt('on: unknown event', () => room.on('nope', () => {}));
    await attempt('waitFor: timeout', () => room.waitFor('participant-joined', undefined, 10));
    await room.leave();
    await attempt('after leave', () => room.publishCamera());
    return out;
  });
  const codes = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.code ?? v]));
  expect(codes).toEqual({
    'join: no room': 'invalid-argument',
    'join: refused socket': 'signaling-failed',
    'join: bad iceServers (driver)': 'invalid-argument',
    'new Room()': 'invalid-argument',
    'publishTrack: camera twice (driver)': 'source-already-published',
    'publishTrack: audio source for video (driver)': 'invalid-argument',
    'publishTrack: unknown source (driver)': 'invalid-argument',
    'unpublish: not published (driver)': 'not-published',
    'send: to nobody (driver)': 'unknown-participant',
    'updateMeta: not strings (driver)': 'invalid-argument',
    'on: unknown event': 'invalid-argument',
    'waitFor: timeout': 'timeout',
    'after leave': 'not-joined',
  });
  for (const [call, e] of Object.entries(r)) {
    expect(e, call).toEqual({ rtcroom: true, error: true, name: 'RtcroomError', code: e.code, message: true });
  }
});

test('a wasm that cannot be fetched rejects load() and Room.join with wasm-load-failed', async ({ page, baseURL }) => {
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const r = await page.evaluate(async () => {
    const { Room, RtcroomError, load } = window.rtcroom;
    const out = [];
    for (const f of [() => load(), () => load('/pkg/other.wasm'), () => Room.join(`ws://${location.host}/ws`, { room: 'x' })]) {
      try { await f(); out.push('resolved'); } catch (e) { out.push([e instanceof RtcroomError, e.code, e.cause !== undefined]); }
    }
    return out;
  });
  expect(r).toEqual([[true, 'wasm-load-failed', true], [true, 'wasm-load-failed', true], [true, 'wasm-load-failed', true]]);
});

// The facade awaits getUserMedia between the driver's two calls: a room
// left meanwhile has no driver to take the capture, so the facade stops it.
test('a room left while its camera capture is pending rejects with not-joined and stops what the capture gave', async ({ page, baseURL }) => {
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const r = await page.evaluate(async () => {
    const { Room } = window.rtcroom;
    const room = await Room.join(`ws://${location.host}/ws`, { room: 'left-while-capturing' });
    const given = [];
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      const stream = await gum(c);
      given.push(...stream.getTracks());
      return stream;
    };
    const publishing = room.publishCamera();
    await room.leave();
    let code;
    try { await publishing; code = 'resolved'; } catch (e) { code = e.code; }
    return { code, states: given.map((t) => t.readyState) };
  });
  expect(r).toEqual({ code: 'not-joined', states: ['ended', 'ended'] });
});

// The glue's loader (trimmed by scripts/slim-glue.mjs) still takes the two
// paths a deployment meets: a server that sends the .wasm with another
// Content-Type (streaming compilation refuses it; the module is compiled
// from its bytes, with a hint on the console), and an HTTP error (the
// rejection names the status).
test('a wasm served without application/wasm still loads, with a console hint; an HTTP error rejects with its status', async ({ page, baseURL }) => {
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.route('**/rtcroom_bg.wasm', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
  });
  await page.route('**/missing.wasm', (route) => route.fulfill({ status: 404, body: 'not here' }));
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const r = await page.evaluate(async () => {
    const { Room, load } = window.rtcroom;
    await load();
    const room = await Room.join(`ws://${location.host}/ws`, { room: 'octet-stream' });
    const id = room.id;
    await room.leave();
    let missing;
    try { await load({ sfu: 'janus', wasmUrl: '/pkg/missing.wasm' }); missing = 'resolved'; } catch (e) { missing = [e.code, e.message]; }
    return { id, missing };
  });
  expect(typeof r.id === 'string' && r.id.length > 0).toBe(true);
  expect(r.missing[0]).toBe('wasm-load-failed');
  expect(r.missing[1]).toContain('404');
  expect(warnings.some((w) => w.includes('application/wasm'))).toBe(true);
});

// The package's two wasm builds (README "What a page loads"): a mesh room
// page loads rtcroom_bg.wasm only; an SFU join loads the SFU build (its glue
// and rtcroom_sfu_bg.wasm) next to it; the mesh build refuses an SFU room
// with its own code.
test('a mesh page loads only the mesh build; an SFU join loads the SFU build; the mesh build refuses SFU rooms with sfu-not-built', async ({ page, baseURL }) => {
  const loaded = [];
  page.on('response', (r) => { if (/\/pkg\/[^/]+\.(wasm|js)$/.test(r.url())) loaded.push(new URL(r.url()).pathname); });
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const mesh = await page.evaluate(async () => {
    const room = await window.rtcroom.Room.join(`ws://${location.host}/ws`, { room: 'two-builds' });
    await room.leave();
    return room.id;
  });
  expect(typeof mesh).toBe('string');
  expect(loaded.filter((p) => p.endsWith('.wasm'))).toEqual(['/pkg/rtcroom_bg.wasm']);
  expect(loaded).not.toContain('/pkg/rtcroom_sfu.js');

  // Nothing listens on port 9: the join fails after the SFU build loaded.
  const sfu = await page.evaluate(async () => {
    try {
      await window.rtcroom.Room.join('ws://127.0.0.1:9/janus', { sfu: 'janus', room: 1234 });
      return 'resolved';
    } catch (e) { return e.code; }
  });
  expect(sfu).toBe('signaling-failed');
  expect(loaded.filter((p) => p.endsWith('.wasm')).sort()).toEqual(['/pkg/rtcroom_bg.wasm', '/pkg/rtcroom_sfu_bg.wasm']);
  expect(loaded).toContain('/pkg/rtcroom_sfu.js');

  // The mesh build's own glue, asked for an SFU room (the facade never does).
  const refused = await page.evaluate(async () => {
    const glue = await import('/pkg/rtcroom.js');
    await glue.default({ module_or_path: '/pkg/rtcroom_bg.wasm' });
    try {
      await glue.joinRoom(['ws://127.0.0.1:9/janus'], { sfu: 'janus', room: 1234 }, () => {});
      return 'resolved';
    } catch (e) { return [e.code, e.message]; }
  });
  expect(refused).toEqual(['sfu-not-built', 'this wasm build has no SFU rooms (load the SFU build)']);
});

test('load({ sfu: \'janus\' }) at start preloads the SFU build only, which runs mesh rooms too', async ({ page, baseURL }) => {
  const wasm = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  // A page whose module calls load({ sfu }) right after importing the package.
  await page.route('**/sfu-first.html', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<script type="module">
      import { load, Room, warmedUp } from '/pkg/index.js';
      window.started = load({ sfu: 'janus' });
      window.mesh = warmedUp().then(() => Room.join('ws://' + location.host + '/ws', { room: 'sfu-first' }))
        .then(async (room) => { await room.leave(); return room.id; }, (e) => e.code);
    </script>`,
  }));
  await page.goto(`${baseURL}/test/sfu-first.html`);
  expect(typeof await page.evaluate(() => window.mesh)).toBe('string');
  expect(wasm).toEqual(['/pkg/rtcroom_sfu_bg.wasm']);
  expect(await page.evaluate(() => import('/pkg/index.js').then((m) => m.load({ sfu: 'x' })).then(() => 'resolved', (e) => e.code)))
    .toBe('invalid-argument');
});
