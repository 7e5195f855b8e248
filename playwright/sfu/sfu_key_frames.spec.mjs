// A layer switch that would wait for the publisher browser's key-frame
// interval (Chromium honours one key-frame request per 300 ms; Janus asks on
// every switch): the subscriber asks the rtcroom publisher directly, on its
// data channel through Janus, and the publisher restarts that one layer.
import { test, expect } from '@playwright/test';
import { COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave, waitInbound } from './fixtures.mjs';

test('a switch soon after another makes the rtcroom publisher restart the target layer, and the subscriber gets it', async ({ browser }) => {
  const pub = await sfuParticipant(browser, { room: 1239, name: 'pub', width: 1280, height: 720 });
  const sub = await sfuParticipant(browser, { room: 1239, name: 'sub', colour: COLOURS[1] });
  try {
    await sub.page.waitForFunction((id) => !!window.rt.video[id], pub.id, { timeout: 30_000 });
    const widths = async () => {
      const o = await pub.page.evaluate(() => window.rt.outbound());
      return ['q', 'h', 'f'].map((rid) => o[rid]?.width ?? 0);
    };
    await expect.poll(widths, { timeout: 30_000 }).toEqual([320, 640, 1280]);
    // The request's path: the subscriber's own data channel to Janus, and
    // the publisher's subscription to it (Janus relays data once it is up).
    const sctp = (p, peer) => p.page.evaluate((id) => window.rt.room.peerConnection(id)?.sctp?.state, peer);
    await expect.poll(() => sctp(sub, 'sfu-publisher'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => sctp(pub, sub.id), { timeout: 15_000 }).toBe('connected');
    // Every setParameters of the publisher, as each encoding's rid:active.
    await pub.page.evaluate(() => {
      const log = (window.encodingLog = []);
      const set = RTCRtpSender.prototype.setParameters;
      RTCRtpSender.prototype.setParameters = function (p, ...rest) {
        log.push((p.encodings ?? []).map((e) => `${e.rid}:${e.active === false ? 0 : 1}`).join(' '));
        return set.call(this, p, ...rest);
      };
    });
    await sub.page.evaluate((id) => window.rt.setTile(id, 320, 180), pub.id);
    await waitInbound(sub, pub.id, (s) => s.width === 320);
    // A tile resized twice, 150 ms apart: the second switch is asked for
    // within the interval the first one's request started.
    await sub.page.evaluate(async (id) => {
      window.rt.setTile(id, 640, 360);
      await new Promise((r) => setTimeout(r, 150));
      window.rt.setTile(id, 1280, 720);
    }, pub.id);
    // The publisher switched `f` alone off and back on.
    const restartedTop = async () => {
      const log = await pub.page.evaluate(() => window.encodingLog);
      const off = log.findIndex((l) => l === 'q:1 h:1 f:0');
      return off >= 0 && log.slice(off + 1).includes('q:1 h:1 f:1');
    };
    await expect.poll(restartedTop, { timeout: 10_000 }).toBe(true);
    await waitInbound(sub, pub.id, (s) => s.width === 1280);
    // The SDK's own messages never reach the app, on either side.
    expect(await pub.page.evaluate(() => window.rt.messages)).toEqual([]);
    expect(await sub.page.evaluate(() => window.rt.messages)).toEqual([]);
    // And the app cannot send one.
    const refused = await sub.page.evaluate(() => {
      try {
        window.rt.room.send('\u0000rtcroom:kf 1 1 1');
        return null;
      } catch (e) {
        return e.code;
      }
    });
    expect(refused).toBe('invalid-argument');
  } finally {
    await leave(sub);
    await leave(pub);
  }
});
