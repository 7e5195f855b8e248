import { test, expect, expectReceivingVideo, expectReceivingAudio, uniqueRoom } from '../fixtures.mjs';

// Two participants of rtcroom/playwright's fixture (each a context whose
// camera is a solid colour) use the vanilla example as a user would.
test('the vanilla example: two tabs see each other\'s camera and chat', async ({ participants, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const [alice, bob] = await participants(2, { names: ['alice', 'bob'] });
  for (const p of [alice, bob]) {
    p.page.on('pageerror', (e) => console.log(`[${p.name}] pageerror: ${e.message}`));
    await p.page.goto(`${baseURL}/?room=${encodeURIComponent(room)}&name=${p.name}&autojoin=1`);
    await expect(p.page.locator('#status')).toContainText(`In room "${room}"`);
  }

  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const remote = viewer.page.locator('figure[data-participant]:not(.local)');
    await expect(remote).toHaveCount(1);
    await expect(remote).toHaveAttribute('data-participant', await other.id());
    await expect(remote).toHaveAttribute('data-state', 'connected');
    // The other's camera (its fixture colour), live, in that tile; its microphone too (audible: the example plays it).
    await expectReceivingVideo(viewer.page, { from: other });
    await expectReceivingAudio(viewer.page, { from: other, audible: true });
    // The local preview renders too.
    await expect.poll(() => viewer.page.locator('figure.local video').evaluate((v) => v.videoWidth)).toBeGreaterThan(0);
  }

  await alice.page.locator('#message').fill('hi from alice');
  await alice.page.locator('#send-btn').click();
  await expect(bob.page.locator('#messages li').filter({ hasText: 'hi from alice' })).toHaveText('alice: hi from alice');
  await expect(alice.page.locator('#messages li').filter({ hasText: 'hi from alice' })).toHaveText('you: hi from alice');
  await expect(alice.page.locator('#message')).toHaveValue('');
});
