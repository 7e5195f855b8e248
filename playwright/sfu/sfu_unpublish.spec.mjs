// Unpublishing in an SFU room on a real Janus, in real Chromium: the
// camera's m-section goes inactive in a new offer, Janus disables the
// stream and lists it as `disabled`, and the others get `track-removed`
// while the participant (and its microphone) stays; publishing the camera
// again brings it back on the same subscription.
import { test, expect } from '@playwright/test';
import { COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave } from './fixtures.mjs';

const CAMERA = COLOURS[2];
const hexRgb = (hex) => { const n = parseInt(hex, 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
const near = (rgb, hex, tolerance = 60) => !!rgb && rgb.every((v, i) => Math.abs(v - hexRgb(hex)[i]) <= tolerance);
const eventsOf = (p, type) => p.page.evaluate((type) => window.rt.events.filter((e) => e.type === type), type);
const sources = (p) => p.page.evaluate(() => window.rt.room.participants.map((x) => ({ id: x.id, sources: x.publications.map((y) => y.source).sort() })));

/** Polls `p`'s camera tile of `from` until it shows `hex` with frames decoding. */
async function waitCamera(p, from, hex, timeout = 30_000) {
  const t0 = Date.now();
  let first = null;
  let last = null;
  while (Date.now() - t0 < timeout) {
    last = await p.page.evaluate((id) => window.rt.probe(id), from);
    if (last && near(last.rgb, hex)) {
      if (first && last.framesDecoded > first.framesDecoded) return last;
      first = first ?? last;
    } else {
      first = null;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name}: camera of ${from} never showed #${hex}; last ${JSON.stringify(last)}`);
}

test('unpublishing the camera in an SFU room removes it for subscribers; publishing it again brings it back', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1244, name: 'alice', colour: CAMERA, audio: true });
  const bob = await sfuParticipant(browser, { room: 1244, name: 'bob', publish: false });
  try {
    await waitCamera(bob, alice.id, CAMERA);
    await expect.poll(() => sources(bob), { timeout: 15_000 }).toEqual([{ id: alice.id, sources: ['camera', 'microphone'] }]);

    await alice.page.evaluate(async () => {
      const cam = window.rt.room.localPublications.find((p) => p.source === 'camera');
      await window.rt.room.unpublish(cam.track);
    });
    await expect.poll(() => eventsOf(bob, 'track-removed'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ participant: alice.id, kind: 'video', source: 'camera' }),
    ]);
    await expect.poll(() => sources(bob), { timeout: 15_000 }).toEqual([{ id: alice.id, sources: ['microphone'] }]);
    expect(await eventsOf(bob, 'participant-left')).toEqual([]);
    // Janus itself says the stream is off (what any Janus client sees).
    const streams = await alice.page.evaluate(async () => {
      const pc = window.rt.room.peerConnection('sfu-publisher');
      return pc.getTransceivers().map((t) => `${t.receiver.track.kind}:${t.currentDirection}`);
    });
    expect(streams).toContain('video:inactive');

    // The camera again: the same mid, sent again, shown again.
    await alice.page.evaluate(() => window.rt.room.publishCamera({ video: { width: 640, height: 360, frameRate: 15 }, audio: false }));
    await expect.poll(async () => (await eventsOf(bob, 'track')).filter((e) => e.kind === 'video').length, { timeout: 15_000 }).toBe(2);
    await waitCamera(bob, alice.id, CAMERA);
    await expect.poll(() => sources(bob), { timeout: 15_000 }).toEqual([{ id: alice.id, sources: ['camera', 'microphone'] }]);
    const transceivers = await alice.page.evaluate(() => window.rt.room.peerConnection('sfu-publisher').getTransceivers().length);
    expect(transceivers).toBe(2); // microphone + camera: no m-section added
  } finally {
    await leave(bob);
    await leave(alice);
  }
});

test('a participant that joined without media and publishes its camera mid-call is seen by one already in the room', async ({ browser }) => {
  // Both join as viewers: neither is a VideoRoom publisher yet (Janus lists
  // no one, README "SFU rooms"), so carol's camera is the first feed of
  // this room: her publisher handle offers for the first time mid-call and
  // bob's subscriber connection is created for it.
  const bob = await sfuParticipant(browser, { room: 1246, name: 'bob', publish: false });
  const carol = await sfuParticipant(browser, { room: 1246, name: 'carol', colour: CAMERA, publish: false });
  try {
    expect(await sources(bob)).toEqual([]);
    await carol.page.evaluate(() => window.rt.room.publishCamera({ video: { width: 640, height: 360, frameRate: 15 }, audio: false }));
    await waitCamera(bob, carol.id, CAMERA);
    await expect.poll(() => sources(bob), { timeout: 15_000 }).toEqual([{ id: carol.id, sources: ['camera'] }]);
    await expect.poll(async () => (await eventsOf(bob, 'track')).filter((e) => e.participant === carol.id && e.source === 'camera').length, { timeout: 15_000 }).toBe(1);
  } finally {
    await leave(carol);
    await leave(bob);
  }
});
