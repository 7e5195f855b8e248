import { test, expectReceivingVideo, expectAllSeeEachOther, RED, GREEN, BLUE, uniqueRoom } from '../fixtures.mjs';

test('a participant joining an established call sees and is seen by everyone', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: GREEN });
  await Promise.all([
    expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN }),
    expectReceivingVideo(bob.page, { from: alice.id, colour: RED }),
  ]);

  const carol = await join({ room, name: 'carol', color: BLUE });
  await expectAllSeeEachOther([alice, bob, carol]);
});
