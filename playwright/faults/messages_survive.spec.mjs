// 8. Data that survives too: reliable messages sent during a media path loss
// (ICE restarts under way) and while the server is down (signaling resume)
// arrive exactly once, in order, after recovery. Messages go peer to peer on
// the reliable data channel, whose SCTP association outlives ICE restarts.
import { test, expect, report, H } from './fixtures.mjs';

const COUNT = 40;
const ARRIVE_WITHIN_MS = 20_000;

/** Alice sends `label-0` … `label-(COUNT-1)` to bob, 100 ms apart. */
async function sendNumbered(alice, bob, label) {
  for (let k = 0; k < COUNT; k++) {
    const failed = await alice.page.evaluate(([to, data]) => window.rf.room.send(data, { to }), [bob.id, `${label}-${k}`]);
    expect(failed ?? [], `send ${label}-${k} should be queued for bob`).toEqual([]);
    await H.sleep(100);
  }
}

/** Waits until bob has every `label-*` message; asserts once each, in order. */
async function expectAllOnceInOrder(bob, alice, label, since) {
  const deadline = Date.now() + ARRIVE_WITHIN_MS;
  let got = [];
  while (Date.now() < deadline) {
    const snap = await H.snapshot(bob);
    got = snap.events
      .filter((e) => e.type === 'message' && e.participant === alice.id && typeof e.data === 'string' && e.data.startsWith(`${label}-`))
      .map((e) => e.data);
    if (got.length >= COUNT) break;
    await H.sleep(200);
  }
  expect(got, `bob should get alice's ${label} messages once each, in order`).toEqual(Array.from({ length: COUNT }, (_, k) => `${label}-${k}`));
  return Date.now() - since;
}

test('reliable messages sent during a media blackhole arrive once, in order, after recovery', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  const fault = call.net.blackholeMedia(1);
  const faultAt = Date.now();
  await sendNumbered(alice, bob, 'loss'); // 4 s of sending, path dead throughout
  await H.sleep(Math.max(0, faultAt + 8_000 - Date.now()));
  fault.clear();
  const ms = await expectAllOnceInOrder(bob, alice, 'loss', Date.now());
  report(testInfo, `all ${COUNT} messages at bob ${ms} ms after the path came back`);
});

test('reliable messages sent while the server is down arrive once, in order', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  await call.killServer();
  const killAt = Date.now();
  await sendNumbered(alice, bob, 'outage');
  await call.restartServer();
  const ms = await expectAllOnceInOrder(bob, alice, 'outage', killAt);
  report(testInfo, `all ${COUNT} messages at bob ${ms} ms after the server died`);
});
