import { test, expect, expectReceivingVideo, waitConnected, events, RED, GREEN, BLUE, YELLOW, uniqueRoom } from '../fixtures.mjs';

// Issue 5, defect 9: unpublish/publish cycles must reuse the idle
// transceiver instead of adding an m-section per cycle (before the fix:
// 2 → 12 transceivers, and the 13-m-section SDP outgrew the 64 KiB frame
// limit), and every re-published track must reach the other side (a
// `track` event whose frames decode), whichever side churns.
const CYCLES = 10;
// One recvonly audio + one video transceiver, the latter shared by both
// sides' cameras (see CreatePeer in src/core/room/mod.rs).
const TRANSCEIVERS = 2;

const transceivers = (page, otherId) =>
  page.evaluate((id) => window.rt.room.peerConnection(id).getTransceivers().length, otherId);
const videoTracks = async (page, fromId) =>
  (await events(page, { type: 'track', participant: fromId, kind: 'video' })).length;

test('ten paced unpublish/publish cycles per side keep the transceivers bounded and deliver every track', async ({ join }, testInfo) => {
  test.setTimeout(240_000);
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: BLUE });
  alice.palette = [RED, GREEN, BLUE, YELLOW];
  bob.palette = [BLUE, YELLOW, RED, GREEN];
  await Promise.all([waitConnected(alice.page, bob.id), waitConnected(bob.page, alice.id)]);
  await Promise.all([expectReceivingVideo(alice.page, { from: bob.id, colour: BLUE }), expectReceivingVideo(bob.page, { from: alice.id, colour: RED })]);
  const counts = [];
  const record = async (label) => {
    const now = [await transceivers(alice.page, bob.id), await transceivers(bob.page, alice.id)];
    counts.push(`${label}: ${now.join('/')}`);
    expect(now, `transceivers (alice/bob) ${label}; so far ${counts.join(', ')}`).toEqual([TRANSCEIVERS, TRANSCEIVERS]);
  };
  await record('start');

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    for (const [sender, viewer] of [[alice, bob], [bob, alice]]) {
      const label = `${sender.name} cycle ${cycle + 1}`;
      const removed = (await events(viewer.page, { type: 'track-removed', participant: sender.id, kind: 'video' })).length;
      await sender.page.evaluate(() => window.rt.unpublishAll());
      await expect.poll(
        async () => (await events(viewer.page, { type: 'track-removed', participant: sender.id, kind: 'video' })).length,
        { message: `${label}: track-removed`, timeout: 15_000 },
      ).toBe(removed + 1);

      const before = await videoTracks(viewer.page, sender.id);
      // Never the colour of the frame the viewer froze on.
      const color = sender.palette[(cycle + 1) % sender.palette.length];
      await sender.page.evaluate((hex) => window.rt.setColor(hex), color);
      await sender.page.evaluate(() => window.rt.publishCanvas());
      await expect.poll(() => videoTracks(viewer.page, sender.id), { message: `${label}: track event`, timeout: 15_000 })
        .toBe(before + 1);
      // Frames of the new track decode: the new colour shows.
      await expectReceivingVideo(viewer.page, { from: sender.id, colour: color, timeout: 15_000 });
      await record(label);
    }
  }
  console.log(`transceivers (alice/bob): ${counts.join(', ')}`);
  expect(await events(alice.page, { type: 'warning' })).toEqual([]);
  expect(await events(bob.page, { type: 'warning' })).toEqual([]);
});

// Unpaced: both sides unpublish and publish again at once, on the one video
// transceiver they share. A direction-toggling reuse would renegotiate
// there from both sides at once, and in Chromium a removal applied through
// a rollback leaves the receiver muted for good; detaching and re-attaching
// the track renegotiates nothing: still a track event per publish, still
// two transceivers.
test('unpublishing and publishing at once on both sides reuses the transceivers and delivers every track', async ({ join }, testInfo) => {
  test.setTimeout(180_000);
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: BLUE });
  await Promise.all([expectReceivingVideo(alice.page, { from: bob.id, colour: BLUE }), expectReceivingVideo(bob.page, { from: alice.id, colour: RED })]);
  const pairs = [[alice, bob, [GREEN, RED]], [bob, alice, [YELLOW, BLUE]]];
  for (let cycle = 0; cycle < 5; cycle++) {
    const before = await Promise.all(pairs.map(([sender, viewer]) => videoTracks(viewer.page, sender.id)));
    await Promise.all(pairs.map(([sender, , colors]) => sender.page.evaluate(async (hex) => {
      await window.rt.unpublishAll();
      window.rt.setColor(hex);
      await window.rt.publishCanvas();
    }, colors[cycle % 2])));
    await Promise.all(pairs.map(async ([sender, viewer, colors], i) => {
      await expect.poll(() => videoTracks(viewer.page, sender.id), { message: `${sender.name} cycle ${cycle + 1}: track event`, timeout: 15_000 })
        .toBe(before[i] + 1);
      await expectReceivingVideo(viewer.page, { from: sender.id, colour: colors[cycle % 2], timeout: 15_000 });
    }));
    expect([await transceivers(alice.page, bob.id), await transceivers(bob.page, alice.id)], `cycle ${cycle + 1}`)
      .toEqual([TRANSCEIVERS, TRANSCEIVERS]);
  }
  expect(await events(alice.page, { type: 'warning' })).toEqual([]);
  expect(await events(bob.page, { type: 'warning' })).toEqual([]);
});
