import { test, expect, waitConnected, waitForEvent, events, uniqueRoom } from '../fixtures.mjs';

// Turning the camera off releases the capture (the light goes off); on
// again captures the same device and puts it on the same sender: no
// renegotiation, the receiver keeps its track and sees frames again.
test('camera off releases the capture and camera on captures the same device again with no renegotiation', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', publish: false });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  await alice.page.evaluate(() => window.rt.room.setCameraEnabled(true));
  const track = await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'camera' });
  const decoded = () => bob.page.evaluate(async ({ from, trackId }) => {
    const stats = await window.rt.room.peerConnection(from).getStats();
    return [...stats.values()].find((s) => s.type === 'inbound-rtp' && s.trackIdentifier === trackId)?.framesDecoded ?? 0;
  }, { from: alice.id, trackId: track.trackId });
  await expect.poll(decoded, { timeout: 15_000 }).toBeGreaterThan(10);

  const off = await alice.page.evaluate(async (other) => {
    const room = window.rt.room;
    const pc = room.peerConnection(other);
    window.__negotiations = 0;
    pc.addEventListener('negotiationneeded', () => { window.__negotiations += 1; });
    const before = room.localPublications.find((p) => p.source === 'camera');
    window.__before = { id: before.track.id, device: before.track.getSettings().deviceId, publication: before.publication };
    await room.setCameraEnabled(false);
    const sender = pc.getSenders().find((s) => s.transceiver?.mid !== null && s.track === null);
    return { state: before.track.readyState, enabled: room.isCameraEnabled, senderWithoutTrack: !!sender, senders: pc.getSenders().length };
  }, bob.id);
  expect(off).toMatchObject({ state: 'ended', enabled: false, senderWithoutTrack: true });
  await waitForEvent(bob.page, { type: 'track-muted', participant: alice.id, source: 'camera' });
  // Nothing is sent: the count stands still.
  await bob.page.waitForTimeout(300);
  const stopped = await decoded();
  await bob.page.waitForTimeout(700);
  expect(await decoded()).toBe(stopped);

  const on = await alice.page.evaluate(async (other) => {
    const room = window.rt.room;
    const pc = room.peerConnection(other);
    await room.setCameraEnabled(true);
    const now = room.localPublications.find((p) => p.source === 'camera');
    // replaceTrack settles asynchronously: give it a moment.
    const onSender = () => pc.getSenders().find((s) => s.track && s.track.kind === 'video');
    for (let i = 0; i < 40 && onSender()?.track.id !== now.track.id; i++) await new Promise((r) => setTimeout(r, 50));
    const sender = onSender();
    return {
      fresh: now.track.id !== window.__before.id, state: now.track.readyState,
      sameDevice: now.track.getSettings().deviceId === window.__before.device,
      samePublication: now.publication === window.__before.publication,
      onSender: sender?.track.id === now.track.id, senders: pc.getSenders().length,
      enabled: room.isCameraEnabled, negotiations: window.__negotiations,
    };
  }, bob.id);
  expect(on).toMatchObject({ fresh: true, state: 'live', sameDevice: true, samePublication: true, onSender: true, enabled: true, negotiations: 0 });
  expect(on.senders).toBe(off.senders);
  await waitForEvent(bob.page, { type: 'track-unmuted', participant: alice.id, source: 'camera' });
  await expect.poll(decoded, { timeout: 15_000 }).toBeGreaterThan(stopped + 10);
  expect(await events(bob.page, { type: 'track', participant: alice.id, source: 'camera' })).toHaveLength(1);
});
