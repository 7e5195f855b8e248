import { test, expect, expectReceivingVideo, waitConnected, waitForEvent, events, BLUE, uniqueRoom } from '../fixtures.mjs';

// Muting is signaled (publications carry it, the receiver gets track-muted /
// track-unmuted naming the publication) and the media goes black while muted.
test('mute and unmute reach the other side by publication, and the video goes black meanwhile', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE });
  const bob = await join({ room, name: 'bob', publish: false });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);

  const published = await waitForEvent(alice.page, { type: 'track-published', source: 'camera' });
  const camId = published.trackId;
  expect(published.publication).toBe(camId);
  const track = await waitForEvent(bob.page, { type: 'track', participant: alice.id, kind: 'video' });
  expect(track).toMatchObject({ publication: camId, muted: false, source: 'camera' });
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });

  await alice.page.evaluate((id) => window.rt.setMuted(id, true), camId);
  const muted = await waitForEvent(bob.page, { type: 'track-muted', participant: alice.id });
  expect(muted).toMatchObject({ publication: camId, muted: true, trackId: track.trackId, source: 'camera' });
  const [view] = (await bob.page.evaluate(() => window.rt.participants())).filter((p) => p.id === alice.id);
  expect(view.publications).toEqual([{ id: camId, kind: 'video', source: 'camera', muted: true }]);
  // A disabled video track sends black frames.
  await expectReceivingVideo(bob.page, { from: alice.id, colour: '000000' });

  await alice.page.evaluate((id) => window.rt.setMuted(id, false), camId);
  const unmuted = await waitForEvent(bob.page, { type: 'track-unmuted', participant: alice.id });
  expect(unmuted).toMatchObject({ publication: camId, muted: false });
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });
  expect(await events(bob.page, { type: 'track-muted' })).toHaveLength(1);

  // Bad arguments reject with a code.
  const bad = await alice.page.evaluate(async () => {
    try { await window.rt.room.setMuted(window.rt.published[0], 'yes'); return null; } catch (e) { return e.code; }
  });
  expect(bad).toBe('invalid-argument');
  const notPublished = await alice.page.evaluate(async () => {
    const t = (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks()[0];
    try { await window.rt.room.setMuted(t, true); return null; } catch (e) { return e.code; } finally { t.stop(); }
  });
  expect(notPublished).toBe('not-published');

  // Unpublishing is a local event with its reason.
  await alice.page.evaluate(() => window.rt.unpublishAll());
  const gone = await waitForEvent(alice.page, { type: 'track-unpublished', source: 'camera' });
  expect(gone).toMatchObject({ publication: camId, reason: 'unpublished' });
});
