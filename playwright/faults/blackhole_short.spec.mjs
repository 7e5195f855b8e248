// 1. A 5 s media blackhole between the participants (signaling untouched):
// shorter than Chromium's own `disconnected` (~6 s), so the browser alone
// survives it. Media must resume both ways with the right colours.
import { test, expect, expectMediaResumes, report, H, RESUME_DEADLINE_MS } from './fixtures.mjs';

test('media blackhole 5 s: media resumes both ways with the right colours', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  const fault = call.net.blackholeMedia(1);
  const faultAt = Date.now();
  await H.sleep(5_000);
  fault.clear();
  const restoreAt = Date.now();
  const [a, b] = await Promise.all([
    expectMediaResumes(alice, bob, { after: restoreAt }),
    expectMediaResumes(bob, alice, { after: restoreAt }),
  ]);
  const snap = await H.snapshot(bob);
  const track = H.tracksFrom(snap, alice.id)[0];
  report(testInfo, `restore → first new frame: alice ${Math.round(a.firstFrameAt - restoreAt)} ms, bob ${Math.round(b.firstFrameAt - restoreAt)} ms; ` +
    `bob's longest freeze ${Math.round(H.longestFreeze(track, faultAt - 1000, b.firstFrameAt))} ms; timeline ${H.timeline(snap, faultAt).join(', ')}`);
  expect(a.firstFrameAt - restoreAt).toBeLessThan(RESUME_DEADLINE_MS);
  expect(await H.snapshot(alice).then((s) => H.firstEvent(s, { type: 'participant-left' }))).toBeNull();
});
