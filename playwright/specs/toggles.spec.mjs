import { test, expect, waitConnected, waitForEvent, events, uniqueRoom } from '../fixtures.mjs';

// setCameraEnabled / setMicrophoneEnabled: the first `true` publishes the
// device, `false` mutes (signaled), `true` again unmutes; no republishing.
test('camera and microphone toggles publish once, then mute and unmute', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', publish: false });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);

  const state = () => alice.page.evaluate(() => ({
    camera: window.rt.room.isCameraEnabled,
    microphone: window.rt.room.isMicrophoneEnabled,
    publications: window.rt.room.localPublications.map(({ kind, source, muted }) => ({ kind, source, muted })),
  }));
  expect(await state()).toEqual({ camera: false, microphone: false, publications: [] });

  await alice.page.evaluate(() => window.rt.room.setCameraEnabled(true));
  await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'camera' });
  expect(await state()).toEqual({ camera: true, microphone: false, publications: [{ kind: 'video', source: 'camera', muted: false }] });

  await alice.page.evaluate(() => window.rt.room.setMicrophoneEnabled(true));
  const mic = await waitForEvent(bob.page, { type: 'track', participant: alice.id, source: 'microphone' });
  const cam = (await events(bob.page, { type: 'track', participant: alice.id, source: 'camera' }))[0];
  expect(mic.streamId).toBe(cam.streamId);

  await alice.page.evaluate(() => window.rt.room.setCameraEnabled(false));
  await waitForEvent(bob.page, { type: 'track-muted', participant: alice.id, source: 'camera' });
  expect((await state()).camera).toBe(false);
  // Off twice is still off, with one event.
  await alice.page.evaluate(() => window.rt.room.setCameraEnabled(false));
  await alice.page.evaluate(() => window.rt.room.setCameraEnabled(true));
  await waitForEvent(bob.page, { type: 'track-unmuted', participant: alice.id, source: 'camera' });
  expect(await events(bob.page, { type: 'track-muted' })).toHaveLength(1);
  expect(await state()).toEqual({
    camera: true, microphone: true,
    publications: [{ kind: 'video', source: 'camera', muted: false }, { kind: 'audio', source: 'microphone', muted: false }],
  });
  // Published once each: no second camera track reached bob.
  expect(await events(bob.page, { type: 'track', participant: alice.id, source: 'camera' })).toHaveLength(1);
  const bad = await alice.page.evaluate(async () => { try { await window.rt.room.setCameraEnabled('on'); return null; } catch (e) { return e.code; } });
  expect(bad).toBe('invalid-argument');
});
