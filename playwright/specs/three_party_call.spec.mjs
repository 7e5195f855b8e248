import { test, expectAllSeeEachOther, RED, GREEN, BLUE, uniqueRoom } from '../fixtures.mjs';

test('three participants each receive both others\' colours (full mesh)', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const people = [
    await join({ room, name: 'alice', color: RED }),
    await join({ room, name: 'bob', color: GREEN }),
    await join({ room, name: 'carol', color: BLUE }),
  ];
  await expectAllSeeEachOther(people);
});
