// Two rtcroom-server nodes share rooms on a real Redis (pub/sub backplane),
// in the server namespace; alice is connected to node 0, bob to node 1, each
// knowing both URLs (`Room.join([url0, url1], …)`). Node 0 is SIGKILLed mid-call:
// alice's session must resume on node 1 with her session token (valid on
// every node sharing the secret), bob must never see her leave, media —
// peer to peer — must never freeze > 500 ms, and a track published after
// the failover must arrive (signaling works through the surviving node).
import { test, expect, expectMediaResumes, report, H } from './fixtures.mjs';

const MAX_FREEZE_MS = 500;

test('a node SIGKILLed mid-call: its client resumes on the other node, nobody leaves, media never freezes, publishing works after', async ({ call }, testInfo) => {
  test.skip(!H.serverFlags().has('--redis'), 'server without a backplane');
  const [alice, bob] = await call.startNodes({ serverOptions: { resumeGraceSecs: 30 } });
  await call.killNode(0);
  const killAt = Date.now();

  // Alice's room says it reconnected (its socket now on node 1).
  let resumedAt = null;
  const deadline = killAt + 10_000;
  while (!resumedAt && Date.now() < deadline) {
    const snap = await H.snapshot(alice);
    resumedAt = H.firstEvent(snap, { type: 'connection-state', state: 'reconnected' }, killAt)?.t ?? null;
    if (!resumedAt) await H.sleep(50);
  }
  const aliceSnap = await H.snapshot(alice);
  expect(resumedAt, `alice should resume on node 1 within 10 s; ${H.timeline(aliceSnap, killAt).join(', ')}`).not.toBeNull();
  report(testInfo, `failover (node kill → alice resumed on the other node): ${Math.round(resumedAt - killAt)} ms; ${H.timeline(aliceSnap, killAt).join(', ')}`);

  // Media over the failover and one second after.
  await H.sleep(1_000);
  const until = Date.now();
  for (const [viewer, other] of [[alice, bob], [bob, alice]]) {
    const snap = await H.snapshot(viewer);
    const track = H.tracksFrom(snap, other.id)[0];
    const freeze = H.longestFreeze(track, killAt, until);
    report(testInfo, `${viewer.name} ← ${other.name}: longest freeze ${Math.round(freeze)} ms`);
    expect(freeze, `${viewer.name}'s longest freeze of ${other.name}'s video across the failover`).toBeLessThanOrEqual(MAX_FREEZE_MS);
    expect(H.firstEvent(snap, { type: 'participant-left' }), `${viewer.name} should not see anyone leave`).toBeNull();
  }

  // Signaling works through the surviving node: a new track reaches bob.
  const publishAt = Date.now();
  const published = alice.page.evaluate((c) => window.rf.publish(c, 'screen'), H.GREEN);
  const r = await expectMediaResumes(bob, alice, { after: publishAt, source: 'screen', hex: H.GREEN, timeoutMs: 10_000 });
  await published;
  report(testInfo, `screen published after the failover: first frame at bob after ${Math.round(r.firstFrameAt - publishAt)} ms`);
  // And bob still never saw alice leave, past the node timeout (3.5 s) when
  // node 1 declared node 0 dead.
  await H.sleep(Math.max(0, killAt + 5_000 - Date.now()));
  const bobSnap = await H.snapshot(bob);
  expect(H.firstEvent(bobSnap, { type: 'participant-left' }), 'bob should never see alice leave').toBeNull();
});
