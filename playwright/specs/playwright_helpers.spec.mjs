// rtcroom/playwright's own helpers (js/playwright.js): each assertion must
// pass on the real thing and fail when what it checks is not there.
import {
  test, expect, expectReceivingVideo, expectReceivingAudio, uniqueRoom, waitConnected, RED, GREEN, BLUE,
} from '../fixtures.mjs';
import { participantId } from '../../js/playwright.js';

const SHORT = 4_000; // how long a negative check polls before it must fail

test('fake colour cameras: each participant\'s getUserMedia video is its colour, and a colour change arrives', async ({ participants, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const [a, b, c] = await participants(3);
  expect(new Set([a.colour, b.colour, c.colour]).size).toBe(3);
  // call.html without publishing; then publishCamera() (getUserMedia: the fake camera + Chromium's fake microphone).
  for (const p of [a, b, c]) {
    await p.page.goto(`${baseURL}/test/call.html?${new URLSearchParams({ room, name: p.name, publish: '0' })}`);
    await p.page.waitForFunction(() => window.rt?.room);
    const published = await p.page.evaluate(() => window.rt.publishCamera());
    expect(published.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
  }
  // The participant ids resolve through the hook, and match the pages' rooms.
  expect(await a.id()).toBe(await a.page.evaluate(() => window.rt.id));
  await Promise.all([a, b, c].flatMap((viewer) => [a, b, c].filter((o) => o !== viewer)
    .flatMap((o) => [expectReceivingVideo(viewer.page, { from: o }), expectReceivingAudio(viewer.page, { from: o })])));

  await a.setColour(GREEN === a.colour ? RED : GREEN);
  const sample = await expectReceivingVideo(b.page, { from: a });
  expect(sample.framesDecoded).toBeGreaterThan(0);
  expect(sample.rendered).toBeGreaterThan(0);
});

test('expectReceivingVideo fails on the wrong colour, on a frozen picture and for a participant not sending', async ({ join, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: BLUE });
  const carol = await join({ room, name: 'carol', publish: false });
  await expectReceivingVideo(bob.page, { from: alice.id, colour: RED });

  // Right participant, wrong colour.
  await expect(expectReceivingVideo(bob.page, { from: alice.id, colour: GREEN, timeout: SHORT }))
    .rejects.toThrow(new RegExp(`should receive video from ${alice.id} showing #${GREEN}.*centre #`));
  // Someone who publishes nothing.
  await waitConnected(bob.page, carol.id);
  await expect(expectReceivingVideo(bob.page, { from: carol.id, timeout: SHORT }))
    .rejects.toThrow(/should receive video from .*(no video track received|no <video> element plays one|framesDecoded 0)/);

  // Alice stops sending: bob's <video> keeps her last (red) frame, but no
  // frame is decoded any more, so the assertion must fail.
  await alice.page.evaluate(() => window.rt.unpublishAll());
  await expect.poll(() => bob.page.evaluate((id) => window.rt.sample(id), alice.id)).toMatchObject({ videoWidth: expect.any(Number) });
  // Her sender lets go of the track a moment after unpublish() returns
  // (the browser's replaceTrack runs on its own thread), and frames in
  // flight still decode: wait until bob decodes none of hers for 300 ms
  // (the canvas sends one every ~67 ms), so the picture is frozen before
  // the assertion takes its first look.
  const decoded = () => bob.page.evaluate(async (id) => {
    const stats = await window.rt.room.peerConnection(id).getStats();
    return [...stats.values()].filter((s) => s.type === 'inbound-rtp' && s.kind === 'video').reduce((n, s) => n + (s.framesDecoded ?? 0), 0);
  }, alice.id);
  await expect.poll(async () => {
    const before = await decoded();
    await bob.page.waitForTimeout(300);
    return (await decoded()) === before;
  }).toBe(true);
  await expect(expectReceivingVideo(bob.page, { from: alice.id, colour: RED, timeout: SHORT }))
    .rejects.toThrow(/decoded and rendered frames increasing/);
  // And passes again once she publishes again.
  await alice.page.evaluate(() => window.rt.publishCanvas());
  await expectReceivingVideo(bob.page, { from: alice.id, colour: RED });
});

test('expectReceivingAudio fails for a participant who sends video only', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED });
  const bob = await join({ room, name: 'bob', color: BLUE });
  await expectReceivingVideo(alice.page, { from: bob.id, colour: BLUE });
  await expect(expectReceivingAudio(alice.page, { from: bob.id, timeout: SHORT })).rejects.toThrow(/should receive audio from/);
  // With a microphone it passes.
  await bob.page.evaluate(async () => {
    const [track] = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks();
    await window.rt.room.publishTrack(track, { source: 'microphone' });
  });
  await expectReceivingAudio(alice.page, { from: bob.id });
});

test('the assertions say what is wrong when the page has no rtcroom test hook', async ({ newPage, baseURL }) => {
  const page = await newPage();
  await page.goto(`${baseURL}/test/call.html`);
  await expect(expectReceivingVideo(page, { from: 'someone', timeout: SHORT })).rejects.toThrow(/no rtcroom test hook/);
  await expect(participantId(page, 1_000)).rejects.toThrow(/no rtcroom test hook/);
});
