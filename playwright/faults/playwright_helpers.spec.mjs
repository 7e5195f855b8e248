// rtcroom/playwright's network-fault fixture (js/playwright.js
// `faultyNetwork`, js/playwright-net.js), used as an app's tests would use
// it: the app's server in the server namespace, one Chromium per participant
// in its own namespace with a fake colour camera, then a blackhole, a
// percentage of loss and a rate limit on one participant's media.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  test, expect, expectReceivingVideo, expectReceivingAudio, waitForOutput,
} from '../../js/playwright.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.resolve(ROOT, process.env.RTCROOM_PKG_DIR || 'pkg');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = (testInfo, text) => {
  console.log(`  [${testInfo.title.slice(0, 30)}] ${text}`);
  testInfo.annotations.push({ type: 'metric', description: text });
};

/** The server in `net.server` (as an app would start its own), serving the e2e fixture page. */
async function startServer(net) {
  const child = net.spawnIn(net.server, path.join(ROOT, 'target/release/rtcroom-server'), [
    '--addr', `${net.serverAddr}:${net.serverPort}`,
    '--mount', `/pkg=${PKG}`, '--mount', `/test=${path.join(ROOT, 'playwright/pages')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, /rtcroom-server listening on/);
}

/** Two participants in the namespaces, joined to one room, publishing their (fake) camera and microphone. */
async function call(faultyNetwork, testInfo, camera = {}) {
  const net = await faultyNetwork({ participants: 2 });
  await startServer(net);
  const room = `helpers-${testInfo.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 30)}-${Date.now().toString(36)}`;
  const people = [];
  for (const i of [1, 2]) {
    const p = await net.launchParticipant(i, { camera });
    await p.page.goto(`${net.baseURL}/test/call.html?${new URLSearchParams({ room, name: p.name, publish: '0' })}`);
    await p.page.waitForFunction(() => window.rt?.room);
    await p.page.evaluate(() => window.rt.publishCamera());
    people.push(p);
  }
  const [a, b] = people;
  await Promise.all([expectReceivingVideo(a.page, { from: b }), expectReceivingVideo(b.page, { from: a })]);
  return { net, a, b };
}

/** inbound-rtp video bytes and timestamp on `page` from participant `fromId`. */
function inboundVideo(page, fromId) {
  return page.evaluate(async (id) => {
    const [room] = globalThis.__RTCROOM_TEST_HOOK__.rooms;
    let r = null;
    (await room.peerConnection(id).getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') r = { bytes: s.bytesReceived, t: s.timestamp }; });
    return r;
  }, fromId);
}

/** Video bit rate from `fromId` received by `page` over `ms`, in kbit/s. */
async function kbps(page, fromId, ms) {
  const x = await inboundVideo(page, fromId);
  await sleep(ms);
  const y = await inboundVideo(page, fromId);
  return ((y.bytes - x.bytes) * 8) / (y.t - x.t);
}

test('blackhole: the participant\'s video and audio stop arriving, and come back once cleared', async ({ faultyNetwork }, testInfo) => {
  const { net, a, b } = await call(faultyNetwork, testInfo);
  await expectReceivingAudio(b.page, { from: a });
  const fault = net.blackholeMedia(1);
  await sleep(1_500); // what was in flight is decoded
  await expect(expectReceivingVideo(b.page, { from: a, timeout: 4_000 })).rejects.toThrow(/frames increasing/);
  await expect(expectReceivingAudio(b.page, { from: a, timeout: 2_000 })).rejects.toThrow(/should receive audio/);
  await expect(expectReceivingVideo(a.page, { from: b, timeout: 2_000 })).rejects.toThrow(/frames increasing/);
  fault.clear();
  // rtcroom's recovery brings the call back.
  await Promise.all([
    expectReceivingVideo(b.page, { from: a }), expectReceivingVideo(a.page, { from: b }), expectReceivingAudio(b.page, { from: a }),
  ]);
});

test('loss: about the given share of the participant\'s media packets is dropped, and video keeps arriving', async ({ faultyNetwork }, testInfo) => {
  const { net, a, b } = await call(faultyNetwork, testInfo);
  const fault = net.loss(1, 30);
  await sleep(5_000);
  await expectReceivingVideo(b.page, { from: a });
  const { seen, dropped } = fault.counts();
  report(testInfo, `30 % loss: ${dropped} of ${seen} packets dropped`);
  expect(seen).toBeGreaterThan(300);
  expect(dropped / seen).toBeGreaterThan(0.2);
  expect(dropped / seen).toBeLessThan(0.4);
  fault.clear();
  expect(net.ruleset()).not.toMatch(/numgen/);
});

test('rate limit: what the participant sends is held under the tbf rate, and recovers once cleared', async ({ faultyNetwork }, testInfo) => {
  // A noise band makes the camera cost real bitrate.
  const { net, a, b } = await call(faultyNetwork, testInfo, { noise: true });
  const aId = await a.id();
  await sleep(4_000); // bandwidth estimation ramps up
  const before = await kbps(b.page, aId, 3_000);
  const fault = net.limitBandwidth(1, { rate: '150kbit', burst: '16kbit', direction: 'out' });
  await sleep(3_000); // queues drain, the sender adapts
  const during = await kbps(b.page, aId, 4_000);
  fault.clear();
  report(testInfo, `video from the limited participant: ${Math.round(before)} kbit/s before, ${Math.round(during)} kbit/s under a 150 kbit tbf`);
  // The link carries audio and RTCP too: video alone stays under the rate.
  expect(before).toBeGreaterThan(300);
  expect(during).toBeLessThan(160);
  await expectReceivingVideo(b.page, { from: a });
});
