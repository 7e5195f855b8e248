import { test, expectReceivingVideo, RED, GREEN, uniqueRoom } from '../fixtures.mjs';

test('two participants each receive the other\'s canvas colour', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: GREEN });

  await Promise.all([
    expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN }),
    expectReceivingVideo(bob.page, { from: alice.id, colour: RED }),
  ]);
});
