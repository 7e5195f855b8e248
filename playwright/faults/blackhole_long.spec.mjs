// 2. A 40 s media blackhole (signaling untouched): past Chromium's own
// `failed` (~16 s), after which the browser alone never recovers. Needs the
// SDK's recovery: path loss detected within 2 s (participant-state
// `reconnecting`), ICE restarts with back-off, media back within the deadline
// after the path returns, with the right colours; nobody leaves.
import { test, expect, expectMediaResumes, report, H, RESUME_DEADLINE_MS } from './fixtures.mjs';

// Detection is the SDK's own (inbound bytes standing still, from getStats
// every 400 ms, for 1.2 s): reason `media-stalled`, well before the browser's
// ICE `disconnected` (~6 s). bench/recovery.mjs measures it (goal ≤ 2 s);
// this bound only separates the two mechanisms.
const DETECTED_WITHIN_MS = 4_000;

test('media blackhole 40 s: the SDK detects it and media resumes with the right colours', async ({ call }, testInfo) => {
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
    const ev = H.firstEvent(snap, { type: 'participant-state', participant: other.id, state: 'reconnecting' }, faultAt);
    expect(ev.reason, `${viewer.name}'s detection should be the SDK's own`).toBe('media-stalled');
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
    // Frames come back first (key frames at the path's first sign);
    // `connected` follows once two stats samples show bytes growing.
    let back = null;
    let snap = null;
    while (!back && Date.now() < restoreAt + RESUME_DEADLINE_MS) {
      snap = await H.snapshot(viewer);
      back = H.firstEvent(snap, { type: 'participant-state', participant: other.id, state: 'connected' }, faultAt);
      if (!back) await H.sleep(100);
    }
    expect(H.firstEvent(snap, { type: 'participant-left' }), `${viewer.name} should not see anyone leave`).toBeNull();
    expect(back, `${viewer.name} should report ${other.name} connected again`).not.toBeNull();
  }
});
