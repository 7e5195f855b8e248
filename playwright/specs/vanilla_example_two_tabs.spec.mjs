import { test, expect, uniqueRoom } from '../fixtures.mjs';

test('the vanilla example: two tabs see each other\'s camera and chat', async ({ newPage, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const open = async (name) => {
    const page = await newPage();
    page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
    await page.goto(`${baseURL}/?room=${encodeURIComponent(room)}&name=${name}&autojoin=1`);
    await expect(page.locator('#status')).toContainText(`In room "${room}"`);
    return page;
  };
  const alice = await open('alice');
  const bob = await open('bob');

  for (const page of [alice, bob]) {
    const remote = page.locator('figure[data-participant]:not(.local)');
    await expect(remote).toHaveCount(1);
    await expect(remote).toHaveAttribute('data-state', 'connected');
    await expect.poll(() => remote.locator('video').evaluate((v) => v.videoWidth)).toBeGreaterThan(0);
    // The local preview (fake camera) renders too.
    await expect.poll(() => page.locator('figure.local video').evaluate((v) => v.videoWidth)).toBeGreaterThan(0);
  }

  await alice.locator('#message').fill('hi from alice');
  await alice.locator('#send-btn').click();
  await expect(bob.locator('#messages li').filter({ hasText: 'hi from alice' })).toHaveText('alice: hi from alice');
  await expect(alice.locator('#messages li').filter({ hasText: 'hi from alice' })).toHaveText('you: hi from alice');
  await expect(alice.locator('#message')).toHaveValue('');
});
