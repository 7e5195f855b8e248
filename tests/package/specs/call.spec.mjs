// (a) + (b): the Vite + React app (rtcroom/react hooks) and the plain
// import-map page, both built from the npm tarball, join one room through
// the real server and each receives the other's video: decoded frames keep
// increasing and the centre pixel has the sender's canvas colour (checked
// with rtcroom/playwright from the same tarball).
import { test, expect } from '@playwright/test';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// rtcroom/playwright as installed from the tarball, resolved through the
// package's `exports` like an app's own tests would: its assertions check
// what the apps receive.
const app = fileURLToPath(new URL('../../../target/package-test/vite-app/package.json', import.meta.url));
const { expectReceivingVideo, installRtcroomHook } = await import(pathToFileURL(createRequire(app).resolve('rtcroom/playwright')).href);

const RED = 'ff2020';
const GREEN = '20e020';

/** Opens `path` in its own context; resolves once the page says it joined. */
async function open(browser, baseURL, path, { room, colour, ws, init }) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  await installRtcroomHook(context);
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const query = new URLSearchParams({ room, color: colour, ...(ws ? { ws } : {}) });
  await page.goto(`${baseURL}${path}?${query}`);
  await page.waitForFunction(() => window.app?.joined || window.app?.error, null, { timeout: 30_000 });
  const app = await page.evaluate(() => window.app);
  expect(app.error, `${path} joined`).toBeNull();
  return { context, page, id: app.id, errors };
}

/** `viewer` receives live video of `colour` from `fromId` (decoded and rendered frames increasing). */
async function expectReceiving(viewer, fromId, colour) {
  await expectReceivingVideo(viewer.page, { from: fromId, colour });
}

const uniqueRoom = () => `package-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

test('the Vite + React app and the plain page call each other through the real server', async ({ browser }) => {
  const baseURL = process.env.RTCROOM_BASE_URL;
  const room = uniqueRoom();
  const opened = [];
  try {
    const vite = await open(browser, baseURL, '/', { room, colour: RED });
    opened.push(vite);
    const plain = await open(browser, baseURL, '/plain/', { room, colour: GREEN });
    opened.push(plain);
    await Promise.all([
      expectReceiving(vite, plain.id, GREEN),
      expectReceiving(plain, vite.id, RED),
    ]);
    expect(vite.errors).toEqual([]);
    expect(plain.errors).toEqual([]);
  } finally {
    await Promise.all(opened.map((p) => p.context.close()));
  }
});

test('the Vite build loads the wasm it emitted as an asset, with the WebAssembly MIME type', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wasm = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push({ url: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] }); });
  await page.goto(`${process.env.RTCROOM_BASE_URL}/?room=none`);
  // Importing the package starts loading the module in a browser page.
  await expect.poll(() => wasm.length).toBe(1);
  expect(wasm[0]).toMatchObject({ status: 200, type: 'application/wasm' });
  expect(wasm[0].url).toMatch(/^\/assets\/rtcroom_bg-[\w-]+\.wasm$/);
  await context.close();
});

test('the Vite build and the plain page load the SFU build on demand: its glue and its wasm, with no configuration', async ({ browser }) => {
  const context = await browser.newContext();
  try {
    for (const [path, wasmRe, glueRe] of [
      ['/?room=none', /^\/assets\/rtcroom_sfu_bg-[\w-]+\.wasm$/, /^\/assets\/rtcroom_sfu-[\w-]+\.js$/],
      ['/plain/?room=none', /\/node_modules\/rtcroom\/rtcroom_sfu_bg\.wasm$/, /\/node_modules\/rtcroom\/rtcroom_sfu\.js$/],
    ]) {
      const page = await context.newPage();
      const loaded = [];
      page.on('response', (r) => { if (r.status() === 200) loaded.push(new URL(r.url()).pathname); });
      await page.goto(`${process.env.RTCROOM_BASE_URL}${path}`);
      await page.waitForFunction(() => typeof window.loadSfu === 'function');
      // Importing the package preloads the mesh build only.
      await expect.poll(() => loaded.filter((p) => p.endsWith('.wasm')).length, path).toBe(1);
      expect(loaded.some((p) => wasmRe.test(p)), path).toBe(false);
      expect(await page.evaluate(() => window.loadSfu()), path).toBe('loaded');
      expect(loaded.filter((p) => wasmRe.test(p)), path).toHaveLength(1);
      expect(loaded.filter((p) => glueRe.test(p)), path).toHaveLength(1);
      await page.close();
    }
  } finally {
    await context.close();
  }
});

// Keeps every WebSocket and RTCPeerConnection the page makes in window.made.
function instrument() {
  window.made = { sockets: [], pcs: [] };
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws { constructor(...a) { super(...a); window.made.sockets.push(this); } };
  const Pc = window.RTCPeerConnection;
  // The package's import-time warm-up (README) calls between two rooms of
  // the page over relay-only connections with no TURN server: kept apart.
  window.made.warmUp = [];
  window.RTCPeerConnection = class extends Pc {
    constructor(...a) {
      super(...a);
      (this.getConfiguration().iceTransportPolicy === 'relay' ? window.made.warmUp : window.made.pcs).push(this);
    }
  };
}

test('under Vite\'s dev server and <StrictMode> the React app joins once, calls the plain page, and leaves everything closed on unmount', async ({ browser }) => {
  const baseURL = process.env.RTCROOM_BASE_URL;
  const ws = `${baseURL.replace(/^http/, 'ws')}/ws`;
  const room = uniqueRoom();
  const opened = [];
  try {
    // The plain page first, so it sees every join and leave of the React app.
    const plain = await open(browser, baseURL, '/plain/', { room, colour: GREEN });
    opened.push(plain);
    // Development React: StrictMode mounts, unmounts and remounts every effect.
    const dev = await open(browser, process.env.RTCROOM_VITE_DEV_URL, '/', { room, colour: RED, ws, init: instrument });
    opened.push(dev);
    // The module was served from Vite's pre-bundle directory, the wasm from the package.
    const sources = await dev.page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    expect(sources).toContainEqual(expect.stringMatching(/^\/node_modules\/\.vite\/deps\/rtcroom_react\.js$/));
    expect(sources).toContainEqual(expect.stringMatching(/rtcroom_bg\.wasm$/));
    await Promise.all([
      expectReceiving(dev, plain.id, GREEN),
      expectReceiving(plain, dev.id, RED),
    ]);
    expect(await dev.page.evaluate(() => window.app.connection)).toBe('connected');
    // No second join: one socket, and the other side saw one participant arrive.
    // (Vite's HMR client has a socket of its own, to the dev server.)
    const signaling = (url) => window.made.sockets.filter((s) => s.url === url);
    expect(await dev.page.evaluate(`(${signaling})(${JSON.stringify(ws)}).length`)).toBe(1);
    expect(await plain.page.evaluate(() => window.app.events)).toEqual([{ type: 'joined', id: dev.id }]);

    // Unmounting the RoomProvider leaves: the others see it go, and the page
    // keeps no open socket or peer connection.
    await dev.page.evaluate(() => window.app.leave());
    await expect.poll(() => plain.page.evaluate(() => window.app.events))
      .toEqual([{ type: 'joined', id: dev.id }, { type: 'left', id: dev.id, reason: 'left' }]);
    await expect.poll(() => dev.page.evaluate(`({
      sockets: (${signaling})(${JSON.stringify(ws)}).map((s) => s.readyState),
      pcs: window.made.pcs.map((pc) => pc.connectionState),
      warmUpOpen: window.made.warmUp.filter((pc) => pc.connectionState !== 'closed').length,
    })`)).toEqual({ sockets: [3 /* CLOSED */], pcs: ['closed'], warmUpOpen: 0 });
    expect(await dev.page.locator('#status').textContent()).toBe('left');
    expect(dev.errors).toEqual([]);
  } finally {
    await Promise.all(opened.map((p) => p.context.close()));
  }
});
