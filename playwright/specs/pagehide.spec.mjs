import { test, expect, expectAllSeeEachOther, waitForEvent, uniqueRoom, RED, GREEN } from '../fixtures.mjs';

// Closing or navigating away from the page sends `leave` from the SDK's
// pagehide handler: the others see reason "left" right away, not
// "disconnected" (socket dropped) or "timeout" (heartbeat).
for (const how of ['navigates away', 'closes the tab']) {
  test(`a participant that ${how} leaves with reason "left"`, async ({ join }, testInfo) => {
    const room = uniqueRoom(testInfo);
    const alice = await join({ room, name: 'alice', color: RED });
    const bob = await join({ room, name: 'bob', color: GREEN });
    await expectAllSeeEachOther([alice, bob]);

    if (how === 'navigates away') {
      await bob.page.goto('about:blank');
    } else {
      await bob.page.close({ runBeforeUnload: true });
    }
    const left = await waitForEvent(alice.page, { type: 'participant-left', participant: bob.id }, 10_000);
    expect(left.reason).toBe('left');
  });
}
