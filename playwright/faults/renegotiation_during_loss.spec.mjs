// 7. The media path is lost while a renegotiation is in flight: alice
// publishes a second track 1.5 s into a 10 s media blackhole, about when the
// SDK detects the loss and starts its ICE restart, so the two offers meet.
// After the path returns, both of alice's tracks and bob's camera flow with
// the right colours. Needs the SDK's recovery.
import { test, expect, expectMediaResumes, report, H } from './fixtures.mjs';

test('path loss while publishing a second track: both tracks flow after restore', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  const fault = call.net.blackholeMedia(1);
  const faultAt = Date.now();
  await H.sleep(1_500);
  const published = alice.page.evaluate((c) => window.rf.publish(c, 'screen'), H.GREEN).then(() => null, (e) => e);
  await H.sleep(Math.max(0, faultAt + 10_000 - Date.now()));
  fault.clear();
  const restoreAt = Date.now();
  const [cam, screen, back] = await Promise.all([
    expectMediaResumes(bob, alice, { after: restoreAt }),
    expectMediaResumes(bob, alice, { after: restoreAt, source: 'screen', hex: H.GREEN }),
    expectMediaResumes(alice, bob, { after: restoreAt }),
  ]);
  expect(await published, 'publishTrack should resolve').toBeNull();
  const snap = await H.snapshot(bob);
  report(testInfo, `restore → first frame: alice camera ${Math.round(cam.firstFrameAt - restoreAt)} ms, alice screen ${Math.round(screen.firstFrameAt - restoreAt)} ms, ` +
    `bob camera ${Math.round(back.firstFrameAt - restoreAt)} ms; ${H.timeline(snap, faultAt).join(', ')}`);
  expect(H.firstEvent(snap, { type: 'participant-left' })).toBeNull();
});
