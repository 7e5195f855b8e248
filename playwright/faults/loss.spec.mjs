// 3. 30 % random loss on one participant's media path (both directions) for
// 20 s: the call continues — frames keep being decoded during and after, with
// the right colours. The browser alone achieves this (NACK, keyframes, BWE).
import { test, expect, expectMediaResumes, report, H } from './fixtures.mjs';

const LOSS_MS = 20_000;
// Longest tolerated gap between decoded frames while 30 % of packets drop.
const MAX_FREEZE_DURING_LOSS_MS = 3_000;

test('30 % random loss for 20 s: frames keep flowing during and after, right colours', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  const fault = call.net.loss(1, 30);
  const faultAt = Date.now();
  // Colours stay right during the loss too.
  await H.sleep(LOSS_MS / 2);
  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const c = await H.waitColor(viewer, { participant: other.id }, other.color, 5_000);
    expect(c.at, `${viewer.name} should show ${other.name}'s colour during the loss (last ${JSON.stringify(c.sample)})`).not.toBeNull();
  }
  await H.sleep(Math.max(0, faultAt + LOSS_MS - Date.now()));
  fault.clear();
  const endAt = Date.now();
  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const snap = await H.snapshot(viewer);
    const track = H.tracksFrom(snap, other.id)[0];
    const during = track.frameTimes.filter((t) => t >= faultAt && t <= endAt).length;
    const freeze = H.longestFreeze(track, faultAt, endAt);
    report(testInfo, `${viewer.name} ← ${other.name}: ${during} probe ticks with new frames during the loss, longest freeze ${Math.round(freeze)} ms; ${H.timeline(snap, faultAt).join(', ')}`);
    expect(freeze, `${viewer.name}'s longest freeze of ${other.name}'s video during the loss`).toBeLessThanOrEqual(MAX_FREEZE_DURING_LOSS_MS);
  }
  await Promise.all([
    expectMediaResumes(alice, bob, { after: endAt + 1_000, timeoutMs: 5_000 }),
    expectMediaResumes(bob, alice, { after: endAt + 1_000, timeoutMs: 5_000 }),
  ]);
});
