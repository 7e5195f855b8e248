import {
  test, expect, expectReceivingVideo, expectAllSeeEachOther, waitForEvent, events,
  RED, GREEN, BLUE, YELLOW, uniqueRoom,
} from '../fixtures.mjs';

test('when a participant leaves the others get participant-left and track-removed, and their call continues', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: GREEN });
  const carol = await join({ room, name: 'carol', color: BLUE });
  await expectAllSeeEachOther([alice, bob, carol]);

  for (const viewer of [alice, bob]) {
    const [t] = await events(viewer.page, { type: 'track', participant: carol.id, kind: 'video' });
    expect(t.source).toBe('camera');
  }

  await carol.page.evaluate(() => window.rt.leave());

  for (const viewer of [alice, bob]) {
    const [added] = await events(viewer.page, { type: 'track', participant: carol.id, kind: 'video' });
    const left = await waitForEvent(viewer.page, { type: 'participant-left', participant: carol.id });
    expect(left.reason).toBe('left');
    const removed = await waitForEvent(viewer.page, { type: 'track-removed', participant: carol.id });
    expect(removed.trackId).toBe(added.trackId);
    expect(removed.source).toBe('camera');
    await expect.poll(() => viewer.page.evaluate(() => window.rt.participants().map((p) => p.id)))
      .not.toContain(carol.id);
  }

  // Alice ↔ Bob media still flows: a new colour reaches the other side.
  await alice.page.evaluate((c) => window.rt.setColor(c), YELLOW);
  await Promise.all([
    expectReceivingVideo(bob.page, { from: alice.id, colour: YELLOW }),
    expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN }),
  ]);
  // Nobody lost anyone else.
  for (const viewer of [alice, bob]) {
    const other = viewer === alice ? bob : alice;
    expect(await events(viewer.page, { type: 'participant-left', participant: other.id })).toEqual([]);
  }
});
