// SFU participants: a browser context on the SFU test page, joined to a
// Janus VideoRoom through rtcroom's Room API.
import { expect } from '@playwright/test';
import { installFakeMedia, installRtcroomHook } from '../../js/playwright.js';

/**
 * Opens sfu.html in a new context of `browser` and joins VideoRoom `room`.
 * `colour` (hex): the camera is a canvas of that colour (rtcroom/playwright's
 * fake camera); null: Chromium's own fake camera. `width` x `height`: the
 * capture size asked for; `screen` (hex): getDisplayMedia yields a canvas of
 * that colour. Resolves with { context, page, id, colour }.
 */
export async function sfuParticipant(browser, { room, name, colour = null, width = 640, height = 360, publish = true, audio = false, screen = null }) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1400, height: 900 } });
  if (colour) await installFakeMedia(context, { colour, width, height, fps: 15 });
  else await installRtcroomHook(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${name}] console.error: ${m.text()}`); });
  const q = new URLSearchParams({ janus: process.env.RTCROOM_JANUS_URL, room: String(room), name, width: String(width), height: String(height) });
  if (!publish) q.set('publish', '0');
  if (audio) q.set('audio', '1');
  if (screen) q.set('screen', screen);
  try {
    await page.goto(`${process.env.RTCROOM_BASE_URL}/sfu/sfu.html?${q}`);
    await page.waitForFunction(() => window.rt && (window.rt.joined || window.rt.error), null, { timeout: 30_000 });
    const error = await page.evaluate(() => window.rt.error);
    if (error) throw new Error(`${name} could not join ${room}: ${error.code}: ${error.message}`);
    const id = await page.evaluate(() => window.rt.id);
    return { context, page, id, colour, name };
  } catch (e) {
    await context.close().catch(() => {});
    throw e;
  }
}

/** Leaves (Janus forgets the publisher at once) and closes the context. */
export async function leave(p) {
  await p.page.evaluate(() => window.rt.room?.leave()).catch(() => {});
  await p.context.close().catch(() => {});
}

/** Samples the page's inbound video from `id` every 250 ms until `ok(sample)`. */
export async function waitInbound(p, id, ok, timeout = 20_000) {
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < timeout) {
    last = await p.page.evaluate((i) => window.rt.inbound(i), id);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name}: inbound video from ${id} never matched; last ${JSON.stringify(last)}`);
}

// Key-frame requests (README *Adaptive stream*): the request goes from the
// subscriber's own data channel through Janus to the publisher.

/** Waits for that path: `sub`'s publisher connection's SCTP and `pub`'s subscription to `sub`. */
export async function dataPathUp(sub, pub) {
  const sctp = (p, peer) => p.page.evaluate((id) => window.rt.room.peerConnection(id)?.sctp?.state ?? null, peer);
  await expect.poll(() => sctp(sub, 'sfu-publisher'), { timeout: 15_000 }).toBe('connected');
  await expect.poll(() => sctp(pub, sub.id), { timeout: 15_000 }).toBe('connected');
}

/** From now on, records every setParameters of `p`'s page as each encoding's `rid:active`. */
export async function logEncodings(p) {
  await p.page.evaluate(() => {
    const log = (window.encodingLog = []);
    const set = RTCRtpSender.prototype.setParameters;
    RTCRtpSender.prototype.setParameters = function (params, ...rest) {
      log.push((params.encodings ?? []).map((e) => `${e.rid}:${e.active === false ? 0 : 1}`).join(' '));
      return set.call(this, params, ...rest);
    };
  });
}

/** Resizes `id`'s tile on `sub` to `first` then, 150 ms later, to `second` ([width, height] each). */
export async function resizeTwice(sub, id, first, second) {
  await sub.page.evaluate(async ({ id, first, second }) => {
    window.rt.setTile(id, ...first);
    await new Promise((r) => setTimeout(r, 150));
    window.rt.setTile(id, ...second);
  }, { id, first, second });
}

/** Waits until `p` switched its top layer `f` alone off and back on (since `logEncodings`). */
export async function expectTopLayerRestarted(p) {
  await expect.poll(async () => {
    const log = await p.page.evaluate(() => window.encodingLog);
    const off = log.findIndex((l) => l === 'q:1 h:1 f:0');
    return off >= 0 && log.slice(off + 1).includes('q:1 h:1 f:1');
  }, { timeout: 10_000 }).toBe(true);
}
