// 6. A participant's browser is SIGKILLed (a crashed tab or browser): the
// other participant must see `participant-left` within 15 s. Chromium's
// network service closes a killed browser's sockets with 1001 (going away),
// which the server treats like a reset: the short crash grace (5 s), not the
// resume grace.
import { test, expect, report, H } from './fixtures.mjs';

const LEFT_WITHIN_MS = 15_000;

test('browser SIGKILL: the other side sees participant-left within 15 s', async ({ call }, testInfo) => {
  const [alice, bob] = await call.start();
  bob.kill();
  const killAt = Date.now();
  let left = null;
  while (!left && Date.now() < killAt + LEFT_WITHIN_MS) {
    await H.sleep(100);
    left = H.firstEvent(await H.snapshot(alice), { type: 'participant-left', participant: bob.id }, killAt);
  }
  const snap = await H.snapshot(alice);
  report(testInfo, `participant-left ${left ? `after ${Math.round(left.t - killAt)} ms, reason ${left.reason}` : 'never'}; ${H.timeline(snap, killAt).join(', ')}`);
  expect(left, `alice should see bob leave within ${LEFT_WITHIN_MS} ms of his browser being killed`).not.toBeNull();
  expect(left.t - killAt).toBeLessThanOrEqual(LEFT_WITHIN_MS);
  expect(snap.pcs[bob.id]?.connection ?? 'gone', "alice's peer connection to bob should be closed").toMatch(/^(closed|gone)$/);
});
