import { test, expect, expectReceivingVideo, waitConnected, waitForEvent, events, uniqueRoom } from '../fixtures.mjs';

// switchDevice replaces the camera's track on its sender: no renegotiation,
// the receiver keeps its track and the publication, media keeps flowing.
test('switching the camera device needs no renegotiation and the other side keeps its track', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', publish: false });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  await alice.page.evaluate(() => window.rt.publishCamera());
  const track = await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'camera' });
  await expectReceivingVideo(bob.page, { from: alice.id });

  const devices = await alice.page.evaluate(() => window.rt.room.listDevices());
  const cams = devices.filter((d) => d.kind === 'videoinput');
  expect(cams.length).toBeGreaterThan(0);
  expect(await alice.page.evaluate(() => window.rtcroom.listDevices().then((d) => d.length))).toBe(devices.length);

  const result = await alice.page.evaluate(async ({ other, deviceId }) => {
    const room = window.rt.room;
    // Counted from here on: a switch must not ask for a negotiation.
    const pc = room.peerConnection(other);
    let negotiations = 0;
    pc.addEventListener('negotiationneeded', () => { negotiations += 1; });
    const old = room.localPublications.find((p) => p.source === 'camera');
    const fresh = await room.switchDevice('video', deviceId);
    await new Promise((r) => setTimeout(r, 1500));
    const now = room.localPublications.find((p) => p.source === 'camera');
    const sender = pc.getSenders().find((s) => s.track && s.track.kind === 'video');
    return {
      oldId: old.track.id, oldState: old.track.readyState, freshId: fresh.id, freshState: fresh.readyState,
      publicationBefore: old.publication, publicationAfter: now.publication, nowTrack: now.track.id,
      onSender: sender?.track.id, negotiations,
    };
  }, { other: bob.id, deviceId: cams[cams.length - 1].deviceId });
  expect(result.freshId).not.toBe(result.oldId);
  expect(result.oldState).toBe('ended');
  expect(result.freshState).toBe('live');
  expect(result.onSender).toBe(result.freshId);
  expect(result.nowTrack).toBe(result.freshId);
  expect(result.publicationAfter).toBe(result.publicationBefore);
  expect(result.negotiations).toBe(0);

  // The receiver: the same track, still decoding; no new track event; the
  // same publication id.
  await expectReceivingVideo(bob.page, { from: alice.id });
  const cameraTracks = await events(bob.page, { type: 'track', participant: alice.id, source: 'camera' });
  expect(cameraTracks).toHaveLength(1);
  expect(cameraTracks[0].trackId).toBe(track.trackId);
  const [view] = (await bob.page.evaluate(() => window.rt.participants())).filter((p) => p.id === alice.id);
  expect(view.publications.find((p) => p.source === 'camera').id).toBe(result.publicationBefore);

  const codes = await bob.page.evaluate(async () => {
    const out = [];
    for (const args of [['video', 'x'], ['screen', 'x'], ['video', '']]) {
      try { await window.rt.room.switchDevice(...args); out.push(null); } catch (e) { out.push(e.code); }
    }
    return out;
  });
  expect(codes).toEqual(['not-published', 'invalid-argument', 'invalid-argument']);
});
