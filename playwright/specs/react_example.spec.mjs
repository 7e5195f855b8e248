import { test, expect, expectReceivingVideo, uniqueRoom } from '../fixtures.mjs';

// examples/react (built by scripts/build, served at /react/) in two
// participants of rtcroom/playwright's fixture: each sees the other's camera
// (its fixture colour) and plays its microphone (<AudioView>), the stats
// panel plots what arrives (useStats), and the camera button (useLocalMedia)
// mutes and unmutes.
test('the React example: two participants see and hear each other, stats plot, camera toggles', async ({ participants, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const [alice, bob] = await participants(2, { names: ['alice', 'bob'] });
  for (const p of [alice, bob]) {
    p.page.on('pageerror', (e) => console.log(`[${p.name}] pageerror: ${e.message}`));
    await p.page.goto(`${baseURL}/react/?${new URLSearchParams({ room, name: p.name, autojoin: '1' })}`);
    await expect(p.page.getByTestId('status')).toContainText('joined');
  }
  await Promise.all([expectReceivingVideo(alice.page, { from: bob }), expectReceivingVideo(bob.page, { from: alice })]);
  const aliceId = await alice.id();
  const tile = bob.page.locator(`figure[data-participant="${aliceId}"]`);
  await expect(tile).toHaveAttribute('data-state', 'connected');
  // One <audio> per received microphone, playing it.
  await expect.poll(() => bob.page.evaluate(() => [...document.querySelectorAll('audio')]
    .map((a) => ({ paused: a.paused, tracks: a.srcObject?.getAudioTracks().length ?? 0 })))).toEqual([{ paused: false, tracks: 1 }]);

  // The stats panel: a bitrate above zero and a line drawn.
  const stats = bob.page.locator(`[data-stats="${aliceId}"]`);
  await expect.poll(async () => Number(await stats.getByTestId('kbps').textContent())).toBeGreaterThan(0);
  await expect(stats.locator('svg polyline').first()).toHaveAttribute('points', /,.*,/);

  // Camera off: alice's video stops arriving; on again: it is back.
  const camera = alice.page.getByRole('button', { name: 'Camera' });
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'false');
  await expect(tile).toHaveAttribute('data-muted', 'true');
  await expect(expectReceivingVideo(bob.page, { from: alice, timeout: 3_000 })).rejects.toThrow(/frames increasing/);
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await expect(tile).toHaveAttribute('data-muted', 'false');
  await expectReceivingVideo(bob.page, { from: alice });
});
