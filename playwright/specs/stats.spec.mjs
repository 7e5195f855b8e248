import { test, expect, waitConnected, waitForEvent, BLUE, GREEN, uniqueRoom } from '../fixtures.mjs';

// room.stats(id) is the typed view of the SDK's own getStats() samples, and
// quality-changed reports a clean loopback call as excellent.
test('stats show media flowing both ways and a clean call is excellent', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE });
  const bob = await join({ room, name: 'bob', color: GREEN });
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);

  expect(await alice.page.evaluate((id) => window.rt.room.stats(id), 'nobody')).toBeNull();
  const bad = await alice.page.evaluate(() => { try { window.rt.room.stats(42); return null; } catch (e) { return e.code; } });
  expect(bad).toBe('invalid-argument');

  let stats = null;
  await expect.poll(async () => {
    stats = await bob.page.evaluate((id) => window.rt.room.stats(id), alice.id);
    return !!stats && stats.bitrateIn > 0 && stats.bitrateOut > 0 && stats.videoIn.some((v) => v.framesDecoded > 0 && v.width > 0);
  }, { message: 'bob samples media from alice', timeout: 20_000 }).toBe(true);
  expect(stats.lossPercent).toBeGreaterThanOrEqual(0);
  expect(stats.lossPercent).toBeLessThan(5);
  expect(stats.rttMs).not.toBeNull();
  expect(stats.localCandidateType).toMatch(/^(host|prflx|srflx|relay)$/);
  expect(stats.layersOut.some((l) => l.kind === 'video' && l.bitrate > 0 && l.width > 0)).toBe(true);
  expect(['excellent', 'good']).toContain(stats.quality);

  const changed = await waitForEvent(bob.page, { type: 'quality-changed', participant: alice.id, quality: 'excellent' });
  expect(changed.quality).toBe('excellent');
  // Samples keep coming: a later one is newer.
  const later = await bob.page.evaluate(async (id) => {
    const first = window.rt.room.stats(id).at;
    await new Promise((r) => setTimeout(r, 900));
    return window.rt.room.stats(id).at - first;
  }, alice.id);
  expect(later).toBeGreaterThan(0);
});
