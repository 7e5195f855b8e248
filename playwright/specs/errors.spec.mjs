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
    for (const url of ['', 'not a url', 'http://127.0.0.1/ws']) {
      expect(await joinError(page, url, { room: 'errors' })).toMatchObject({ code: 'invalid-argument', isError: true });
    }
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
