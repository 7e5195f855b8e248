// A layer switch that would wait for the publisher browser's key-frame
// interval (Chromium honours one key-frame request per 300 ms; Janus asks on
// every switch): the subscriber asks the rtcroom publisher directly, on its
// data channel through Janus, and the publisher restarts that one layer.
import { test, expect } from '@playwright/test';
import { COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave, waitInbound, dataPathUp, logEncodings, resizeTwice, expectTopLayerRestarted } from './fixtures.mjs';

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
    await dataPathUp(sub, pub);
    await logEncodings(pub);
    await sub.page.evaluate((id) => window.rt.setTile(id, 320, 180), pub.id);
    await waitInbound(sub, pub.id, (s) => s.width === 320);
    // A tile resized twice, 150 ms apart: the second switch is asked for
    // within the interval the first one's request started; the publisher
    // switches `f` alone off and back on.
    await resizeTwice(sub, pub.id, [640, 360], [1280, 720]);
    await expectTopLayerRestarted(pub);
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
