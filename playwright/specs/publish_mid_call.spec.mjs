import { test, expect, expectReceivingVideo, waitConnected, waitForEvent, events, BLUE, uniqueRoom } from '../fixtures.mjs';

test('publishing a track mid-call renegotiates and reaches the other side', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE, publish: false });
  const bob = await join({ room, name: 'bob', publish: false });

  // The peers connect with no media at all (the data channel's negotiation).
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  expect(await events(bob.page, { type: 'track' })).toEqual([]);

  await alice.page.evaluate(() => window.rt.publishCanvas());

  const track = await waitForEvent(bob.page, { type: 'track', participant: alice.id, kind: 'video' });
  expect(track.source).toBe('camera');
  await expectReceivingVideo(bob.page, { from: alice.id, colour: BLUE });
  // Renegotiation did not drop the connection.
  expect(await events(bob.page, { type: 'participant-left' })).toEqual([]);
  expect(await events(alice.page, { type: 'track' })).toEqual([]);
});
