import { test, expect, expectReceivingVideo, waitConnected, waitForEvent, events, BLUE, uniqueRoom } from '../fixtures.mjs';

// In the receiving page: samples the decoded frames of one received track
// every 50 ms until stopped; the longest time the count stood still is the
// camera's longest interruption.
async function startFrameSampler(page, { from, trackId }) {
  await page.evaluate(({ from, trackId }) => {
    const samples = [];
    const pc = window.rt.room.peerConnection(from);
    const timer = setInterval(async () => {
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type === 'inbound-rtp' && s.trackIdentifier === trackId) samples.push([performance.now(), s.framesDecoded ?? 0]);
      }
    }, 50);
    window.__sampler = { samples, stop: () => clearInterval(timer) };
  }, { from, trackId });
}

async function stopFrameSampler(page) {
  return page.evaluate(() => {
    window.__sampler.stop();
    const s = window.__sampler.samples;
    let longest = 0;
    let since = s[0]?.[0] ?? 0;
    for (let i = 1; i < s.length; i++) {
      if (s[i][1] > s[i - 1][1]) since = s[i][0];
      longest = Math.max(longest, s[i][0] - since);
    }
    return { longest, samples: s.length, frames: s.length ? s[s.length - 1][1] - s[0][1] : 0 };
  });
}

// Offers each page made on its connection to the other one, from now on.
async function countOffers(page, other) {
  await page.evaluate((other) => {
    const pc = window.rt.room.peerConnection(other);
    window.__offers = 0;
    pc.addEventListener('signalingstatechange', () => { if (pc.signalingState === 'have-local-offer') window.__offers += 1; });
  }, other);
}
const offers = (page) => page.evaluate(() => window.__offers);

test('a screen share starts next to the camera in one round and stops in none, and the camera never stalls', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  const camera = await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'camera' });
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });
  await startFrameSampler(bob.page, { from: alice.id, trackId: camera.trackId });
  await countOffers(alice.page, bob.id);
  await countOffers(bob.page, alice.id);

  const local = await alice.page.evaluate(async () => {
    const [screen] = await window.rt.room.publishScreen({ preset: 'text' });
    window.__screen = screen;
    const s = screen.getSettings();
    return { hint: screen.contentHint, frameRate: s.frameRate, height: s.height, id: screen.id };
  });
  expect(local.hint).toBe('detail');
  expect(local.frameRate).toBeLessThanOrEqual(15);
  expect(local.height).toBeLessThanOrEqual(1080);
  const screen = await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'screen' });
  expect(screen.streamId).not.toBe(camera.streamId);
  expect(screen.kind).toBe('video');
  // The screen's frames decode (Chromium's fake capture: any picture).
  await expect.poll(() => bob.page.evaluate(async ({ from, trackId }) => {
    const stats = await window.rt.room.peerConnection(from).getStats();
    return [...stats.values()].find((s) => s.type === 'inbound-rtp' && s.trackIdentifier === trackId)?.framesDecoded ?? 0;
  }, { from: alice.id, trackId: screen.trackId }), { timeout: 15_000 }).toBeGreaterThan(5);
  const started = (await offers(alice.page)) + (await offers(bob.page));
  expect(started).toBe(1);

  await alice.page.evaluate(() => window.rt.room.unpublish(window.__screen));
  const gone = await waitForEvent(alice.page, { type: 'track-unpublished', source: 'screen' });
  expect(gone.reason).toBe('unpublished');
  await expect.poll(async () => {
    const [view] = (await bob.page.evaluate(() => window.rt.participants())).filter((p) => p.id === alice.id);
    return view.publications.map((p) => p.source);
  }).toEqual(['camera']);
  // Stopping detaches the track from its sender (kept for the next
  // share): no renegotiation at all.
  await bob.page.waitForTimeout(500);
  expect((await offers(alice.page)) + (await offers(bob.page))).toBe(1);
  const cam = await stopFrameSampler(bob.page);
  expect(cam.frames).toBeGreaterThan(10);
  // Sampled every 50 ms: a camera that never stalled stands still for at
  // most a few samples (the fake camera runs at 30 fps; 400 ms would be a
  // visible freeze).
  expect(cam.longest).toBeLessThan(400);
});

test('a screen share the user ends in the browser is unpublished with reason ended', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice' });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  await alice.page.evaluate(async () => { [window.__screen] = await window.rt.room.publishScreen({ preset: 'motion' }); });
  expect(await alice.page.evaluate(() => window.__screen.contentHint)).toBe('motion');
  await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'screen' });
  // "Stop sharing" in the browser's UI ends the track with an `ended` event
  // (headless Chromium has no such button: the same event, dispatched).
  await alice.page.evaluate(() => { window.__screen.stop(); window.__screen.dispatchEvent(new Event('ended')); });
  const gone = await waitForEvent(alice.page, { type: 'track-unpublished', source: 'screen' });
  expect(gone.reason).toBe('ended');
  await expect.poll(async () => {
    const [view] = (await bob.page.evaluate(() => window.rt.participants())).filter((p) => p.id === alice.id);
    return view.publications.map((p) => p.source);
  }).toEqual(['camera']);
});

test('a refused screen share rejects with its code and leaves the camera alone', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });
  await countOffers(alice.page, bob.id);
  const codes = await alice.page.evaluate(async () => {
    const out = [];
    const md = navigator.mediaDevices;
    const real = md.getDisplayMedia;
    md.getDisplayMedia = () => Promise.reject(new DOMException('the user said no', 'NotAllowedError'));
    try { await window.rt.room.publishScreen(); out.push(null); } catch (e) { out.push(e.code); }
    md.getDisplayMedia = real;
    for (const bad of [{ preset: 'video' }, { contentHint: 'speech' }, 'screen']) {
      try { await window.rt.room.publishScreen(bad); out.push(null); } catch (e) { out.push(e.code); }
    }
    return out;
  });
  expect(codes).toEqual(['permission-denied', 'invalid-argument', 'invalid-argument', 'invalid-argument']);
  const mine = await alice.page.evaluate(() => window.rt.room.localPublications.map(({ source, muted }) => ({ source, muted })));
  expect(mine).toEqual([{ source: 'camera', muted: false }]);
  expect(await offers(alice.page)).toBe(0);
  expect(await events(alice.page, { type: 'track-unpublished' })).toHaveLength(0);
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });
});
