// 5. A participant's signaling socket is cut (its TCP to the server port is
// dropped in the router) while its media path is fine. Within the server's
// grace period the others must see no `participant-left` and media keeps
// flowing; a cut past the grace period makes them see it leave. Needs the
// SDK's signaling resume and the server's grace period (--resume-grace-secs);
// the server runs with a short --heartbeat-secs so a silent socket is noticed
// quickly.
import { test, expect, expectMediaResumes, report, H } from './fixtures.mjs';

const HEARTBEAT_S = 1;
const GRACE_S = 5;
// The server notices silence after 2 heartbeats, then holds the seat GRACE_S.
const SEAT_HELD_MS = (2 * HEARTBEAT_S + GRACE_S) * 1000;

test('socket cut: no participant-left within the grace period, participant-left past it', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start({ serverOptions: { heartbeatSecs: HEARTBEAT_S, resumeGraceSecs: GRACE_S, crashGraceSecs: GRACE_S } });

  // Short cut: 4 s, well inside the time the server holds the seat.
  let cut = call.net.cutSocket(1);
  const cutAt = Date.now();
  await H.sleep(4_000);
  cut.clear();
  // Past the moment the seat would have been given up, plus margin.
  await H.sleep(Math.max(0, cutAt + SEAT_HELD_MS + 3_000 - Date.now()));
  let snap = await H.snapshot(bob);
  report(testInfo, `short cut: bob's timeline ${H.timeline(snap, cutAt).join(', ')}; alice's ${H.timeline(await H.snapshot(alice), cutAt).join(', ')}`);
  expect(H.firstEvent(snap, { type: 'participant-left', participant: alice.id }), 'bob should not see alice leave after a short socket cut').toBeNull();
  const track = H.tracksFrom(snap, alice.id)[0];
  expect(H.longestFreeze(track, cutAt, Date.now()), "alice's media should keep flowing while her socket is cut").toBeLessThanOrEqual(500);
  // Signaling works again for alice: a new track of hers reaches bob.
  const publishAt = Date.now();
  const published = alice.page.evaluate((c) => window.rf.publish(c, 'screen'), H.GREEN);
  await expectMediaResumes(bob, alice, { after: publishAt, source: 'screen', hex: H.GREEN, timeoutMs: 5_000 });
  await published;

  // Long cut: past the grace period, bob sees alice leave.
  cut = call.net.cutSocket(1);
  const longCutAt = Date.now();
  let left = null;
  while (!left && Date.now() < longCutAt + SEAT_HELD_MS + 5_000) {
    await H.sleep(200);
    left = H.firstEvent(await H.snapshot(bob), { type: 'participant-left', participant: alice.id }, longCutAt);
  }
  cut.clear();
  snap = await H.snapshot(bob);
  report(testInfo, `long cut: participant-left ${left ? `after ${Math.round(left.t - longCutAt)} ms (${left.reason})` : 'never'}; ${H.timeline(snap, longCutAt).join(', ')}`);
  expect(left, `bob should see alice leave within ${SEAT_HELD_MS + 5_000} ms of a cut past the grace period`).not.toBeNull();
  expect(left.t - longCutAt).toBeGreaterThanOrEqual(GRACE_S * 1000);
});
