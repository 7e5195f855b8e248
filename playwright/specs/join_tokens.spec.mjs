// Join tokens in the browser: a server with a secret admits only tokens, and
// a subscriber-only participant (canPublish: false) receives the other's
// video but cannot publish (the SDK rejects with `not-allowed`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, uniqueRoom, expectReceivingVideo, RED } from '../fixtures.mjs';
import { startServer, defaultMounts, mintToken } from '../global-setup.mjs';

const SECRET = 'e2e-join-token-secret';
const outDir = fileURLToPath(new URL('../test-results', import.meta.url));

test.describe('with a secret', () => {
  let server;
  test.beforeAll(async () => { server = await startServer(defaultMounts(), outDir, ['--secret', SECRET]); });
  test.afterAll(async () => { await server?.stop(); });

  test('a subscriber-only token receives the publisher video and publishing rejects with not-allowed', async ({ join }, testInfo) => {
    const room = uniqueRoom(testInfo);
    const host = await join({ baseURL: server.baseURL, room, name: 'host', color: RED,
      token: mintToken(SECRET, ['--room', room, '--identity', 'host', '--ttl', '10m']) });
    const viewer = await join({ baseURL: server.baseURL, room, name: 'viewer', publish: false,
      token: mintToken(SECRET, ['--room', room, '--identity', 'viewer', '--ttl', '10m', '--no-publish']) });
    await expectReceivingVideo(viewer.page, { from: host.id, colour: RED });
    const refused = await viewer.page.evaluate(() => window.rt.publishCanvas().then(() => null, (e) => e.code));
    expect(refused).toBe('not-allowed');
    expect(await viewer.page.evaluate(() => window.rt.room.localTracks.length)).toBe(0);
    // The host still sees nothing from the viewer: no track event for it.
    const hostEvents = await host.page.evaluate(() => window.rt.events);
    expect(hostEvents.filter((e) => e.type === 'track' && e.participant === viewer.id)).toEqual([]);
  });

  test('joining without a token or with one for another room is refused', async ({ newPage }, testInfo) => {
    const room = uniqueRoom(testInfo);
    const page = await newPage();
    await page.goto(`${server.baseURL}/test/call.html`);
    await page.waitForFunction(() => window.rt?.loaded);
    const attempt = (token) => page.evaluate(async ({ room, token }) => {
      const url = `ws://${location.host}/ws`;
      try {
        const r = await window.rtcroom.Room.join(url, token ? { room, token } : { room });
        await r.leave();
        return 'joined';
      } catch (e) { return `${e.code}: ${e.message}`; }
    }, { room, token });
    // The server's code and message, each once.
    expect(await attempt(null)).toBe(
      'join-refused: the server refused to join: token-required: this server admits only participants with a join token');
    const other = mintToken(SECRET, ['--room', `${room}-other`, '--identity', 'x']);
    expect(await attempt(other)).toBe(
      'join-refused: the server refused to join: token-wrong-room: the join token is for another room');
    expect(await attempt(mintToken(SECRET, ['--room', room, '--identity', 'x']))).toBe('joined');
    // The facade checks the argument before anything goes out.
    expect(await page.evaluate(() => window.rtcroom.Room.join(`ws://${location.host}/ws`, { room: 'r', token: 42 })
      .then(() => 'joined', (e) => e.code))).toBe('invalid-argument');
  });
});
