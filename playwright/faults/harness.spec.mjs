// The harness itself, with the plain-JS baseline page (no rtcroom): the
// topology carries a call, a 5 s blackhole is survived by the browser alone,
// and tearing the topology down leaves no namespace behind.
import { test, expect, expectMediaResumes, report, H, unavailable } from './fixtures.mjs';
import { Net, ownNamespaces } from '../../js/playwright-net.js';

test('baseline page: a call through the router survives a 5 s blackhole', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start({ impl: 'baseline' });
  const fault = call.net.blackholeMedia(1);
  const faultAt = Date.now();
  // The fault is real: no new frame reaches bob while it lasts.
  await H.sleep(2_000);
  const mid = await H.snapshot(bob);
  const track = H.tracksFrom(mid, alice.id)[0];
  expect(Date.now() - track.lastFrameAt, 'frames should stop during the blackhole').toBeGreaterThan(1_000);
  await H.sleep(3_000);
  fault.clear();
  const restoreAt = Date.now();
  const r = await expectMediaResumes(bob, alice, { after: restoreAt });
  await expectMediaResumes(alice, bob, { after: restoreAt });
  report(testInfo, `baseline: restore → first new frame ${Math.round(r.firstFrameAt - restoreAt)} ms; ${H.timeline(await H.snapshot(bob), faultAt).join(', ')}`);
});

test('a destroyed topology leaves no namespace behind', async () => {
  test.skip(!!unavailable, `fault tier unavailable: ${unavailable}`);
  const before = ownNamespaces().length;
  const net = new Net({ participants: 2 });
  expect(ownNamespaces().length).toBe(before + 4);
  net.blackholeMedia(1);
  net.destroySync();
  net.destroySync(); // idempotent
  expect(ownNamespaces().length).toBe(before);
});
