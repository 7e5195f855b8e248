// A Firefox publisher in an SFU room (issue 6, cross-browser): Firefox ESR
// (selenium-webdriver + geckodriver behind ../firefox/gecko.mjs) publishes
// its fake camera (640x480, solid green) with the same simulcast plan as
// Chromium through the same Room API; every layer flows from Firefox at its
// width, a Chromium subscriber receives each one as its tile asks, and a
// switch asked for soon after another makes Firefox restart that layer.
import { test, expect } from '@playwright/test';
import { firefoxBrowser } from '../firefox/gecko.mjs';
import { sfuParticipant, leave, waitInbound, dataPathUp, logEncodings, resizeTwice, expectTopLayerRestarted } from './fixtures.mjs';

const GREEN = [0, 255, 0];

test('a Firefox publisher sends three simulcast layers through Janus and a Chromium subscriber gets each', async ({ browser }) => {
  const ff = await sfuParticipant(firefoxBrowser, { room: 1243, name: 'firefox', width: 640, height: 480 });
  const sub = await sfuParticipant(browser, { room: 1243, name: 'chromium', publish: false });
  try {
    expect(await ff.page.evaluate(() => navigator.userAgent)).toContain('Firefox');
    // Firefox's outbound-rtp per rid: ¼, ½ and full width of its 640x480 camera.
    const widths = async () => {
      const o = await ff.page.evaluate(() => window.rt.outbound());
      return ['q', 'h', 'f'].map((rid) => o[rid]?.width ?? 0);
    };
    await expect.poll(widths, { timeout: 30_000 }).toEqual([160, 320, 640]);
    const a = await ff.page.evaluate(() => window.rt.outbound());
    await new Promise((r) => setTimeout(r, 1500));
    const b = await ff.page.evaluate(() => window.rt.outbound());
    for (const rid of ['q', 'h', 'f']) expect(b[rid].bytes, `rid ${rid} flowing`).toBeGreaterThan(a[rid].bytes);

    // Chromium receives Firefox's green picture, at the layer its tile asks for.
    await sub.page.waitForFunction((id) => !!window.rt.video[id], ff.id, { timeout: 30_000 });
    for (const [tile, width] of [[[1280, 960], 640], [[160, 120], 160], [[640, 480], 320]]) {
      await sub.page.evaluate(({ id, tile }) => window.rt.setTile(id, tile[0], tile[1]), { id: ff.id, tile });
      await waitInbound(sub, ff.id, (s) => s.width === width);
    }
    const first = await sub.page.evaluate((id) => window.rt.probe(id), ff.id);
    await expect.poll(async () => {
      const p = await sub.page.evaluate((id) => window.rt.probe(id), ff.id);
      return p && p.framesDecoded > first.framesDecoded && p.rgb.every((v, i) => Math.abs(v - GREEN[i]) <= 60);
    }, { timeout: 15_000 }).toBe(true);

    // A switch soon after another: the Firefox publisher restarts the layer
    // asked for (key-frame requests, README *Adaptive stream*). The
    // subscriber publishes nothing: a message opens its data connection,
    // which Janus relays to Firefox once both ends' SCTP is up.
    await sub.page.evaluate(() => window.rt.room.send('data path'));
    await dataPathUp(sub, ff);
    await logEncodings(ff);
    await resizeTwice(sub, ff.id, [160, 120], [1280, 960]);
    await expectTopLayerRestarted(ff);
    await waitInbound(sub, ff.id, (s) => s.width === 640);
    expect(await sub.page.evaluate(() => window.rt.messages)).toEqual([]);
  } finally {
    await leave(sub);
    await leave(ff);
  }
});
