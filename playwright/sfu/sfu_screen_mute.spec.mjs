// Screen share and mute in SFU rooms on a real Janus, in real Chromium:
// the screen is a feed of its own next to the camera (both flow at once,
// told apart by pixels), it arrives as the sharer's track with source
// `screen`, mute and unmute are signalled, and a share the browser ends
// leaves the others' subscriptions.
import { test, expect } from '@playwright/test';
import { COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave } from './fixtures.mjs';

const CAMERA = COLOURS[1]; // blue
const SCREEN = COLOURS[0]; // red
const hexRgb = (hex) => { const n = parseInt(hex, 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
const near = (rgb, hex, tolerance = 60) => !!rgb && rgb.every((v, i) => Math.abs(v - hexRgb(hex)[i]) <= tolerance);

/** Polls `p`'s tile of `from`'s `source` until `ok(sample)`, the sample also showing newly decoded frames. */
async function waitTile(p, from, source, ok, what, timeout = 30_000) {
  const t0 = Date.now();
  let first = null;
  let last = null;
  while (Date.now() - t0 < timeout) {
    last = await p.page.evaluate(({ from, source }) => window.rt.probe(from, source), { from, source });
    if (last && ok(last)) {
      if (first && last.framesDecoded > first.framesDecoded) return last;
      first = first ?? last;
    } else {
      first = null;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name}: ${source} of ${from} never showed ${what} with frames decoding; last ${JSON.stringify(last)}`);
}

const eventsOf = (p, type) => p.page.evaluate((type) => window.rt.events.filter((e) => e.type === type), type);

test('a screen share is a feed of its own next to the camera: both flow, muting is signalled, ending it removes it', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1241, name: 'alice', colour: CAMERA, width: 640, height: 360, screen: SCREEN });
  const bob = await sfuParticipant(browser, { room: 1241, name: 'bob', publish: false });
  try {
    await waitTile(bob, alice.id, 'camera', (s) => near(s.rgb, CAMERA), `#${CAMERA}`);

    const local = await alice.page.evaluate(async () => {
      const [screen] = await window.rt.room.publishScreen({ preset: 'text' });
      window.__screen = screen;
      return { hint: screen.contentHint, id: screen.id };
    });
    expect(local.hint).toBe('detail');
    // Both at once, each showing its own picture, in streams of their own.
    const screen = await waitTile(bob, alice.id, 'screen', (s) => near(s.rgb, SCREEN), `#${SCREEN}`);
    const camera = await waitTile(bob, alice.id, 'camera', (s) => near(s.rgb, CAMERA), `#${CAMERA}`);
    expect(screen.streamId).not.toBe(camera.streamId);
    const tracks = (await eventsOf(bob, 'track')).filter((e) => e.kind === 'video').map((e) => `${e.participant}/${e.source}`);
    expect(tracks).toEqual([`${alice.id}/camera`, `${alice.id}/screen`]);
    // One participant (the screen feed is alice's), listing both publications.
    const seen = await bob.page.evaluate(() => window.rt.room.participants.map((p) => ({ id: p.id, sources: p.publications.map((x) => x.source).sort() })));
    expect(seen).toEqual([{ id: alice.id, sources: ['camera', 'screen'] }]);
    // The screen goes out on its own connection with the preset's two layers.
    await expect.poll(async () => Object.keys(await alice.page.evaluate(() => window.rt.outbound('sfu-screen'))).sort(), { timeout: 15_000 }).toEqual(['f', 'h']);

    // Mute is signalled; the camera the SDK captured is released (its
    // capture stopped: nothing sent) and captured again on unmute.
    const muted = await alice.page.evaluate(async () => {
      const cam = window.rt.room.localPublications.find((p) => p.source === 'camera');
      window.__camera = await window.rt.room.setMuted(cam.track, true);
      return { sending: window.__camera.readyState === 'live' && window.__camera.enabled, muted: window.rt.room.localPublications.find((p) => p.source === 'camera').muted };
    });
    expect(muted).toEqual({ sending: false, muted: true });
    await expect.poll(() => eventsOf(bob, 'track-muted'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ participant: alice.id, kind: 'video', source: 'camera' }),
    ]);
    const flags = await bob.page.evaluate(() => window.rt.room.participants[0].publications.map((p) => `${p.source}:${p.muted}`).sort());
    expect(flags).toEqual(["camera:true", "screen:false"]);
    await alice.page.evaluate(() => window.rt.room.setMuted(window.__camera, false));
    await expect.poll(() => eventsOf(bob, 'track-unmuted'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ participant: alice.id, kind: 'video', source: 'camera' }),
    ]);
    await waitTile(bob, alice.id, 'camera', (s) => near(s.rgb, CAMERA), `#${CAMERA} again`);
    // The screen never muted.
    await waitTile(bob, alice.id, 'screen', (s) => near(s.rgb, SCREEN), `#${SCREEN} still`);

    // "Stop sharing" in the browser's UI ends the track (headless has no
    // such button: the same event, dispatched).
    await alice.page.evaluate(() => { window.__screen.stop(); window.__screen.dispatchEvent(new Event('ended')); });
    await expect.poll(() => eventsOf(alice, 'track-unpublished'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ kind: 'video', source: 'screen', reason: 'ended' }),
    ]);
    await expect.poll(() => eventsOf(bob, 'track-removed'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ participant: alice.id, kind: 'video', source: 'screen' }),
    ]);
    expect(await alice.page.evaluate(() => window.rt.room.peerConnection('sfu-screen') ?? null)).toBeNull();
    const after = await bob.page.evaluate(() => window.rt.room.participants.map((p) => ({ id: p.id, sources: p.publications.map((x) => x.source) })));
    expect(after).toEqual([{ id: alice.id, sources: ['camera'] }]);
    expect(await eventsOf(bob, 'participant-left')).toEqual([]);
    // The camera kept flowing.
    await waitTile(bob, alice.id, 'camera', (s) => near(s.rgb, CAMERA), `#${CAMERA} after the share`);
  } finally {
    await leave(bob);
    await leave(alice);
  }
});

test('muting a camera the SDK captured in an SFU room turns it off, unmuting captures it again', async ({ browser }) => {
  // Chromium's own fake camera: a device the SDK can capture again.
  const alice = await sfuParticipant(browser, { room: 1242, name: 'alice', width: 640, height: 360 });
  const bob = await sfuParticipant(browser, { room: 1242, name: 'bob', publish: false });
  try {
    await waitTile(bob, alice.id, 'camera', () => true, 'a picture');
    const off = await alice.page.evaluate(async () => {
      const cam = window.rt.room.localPublications.find((p) => p.source === 'camera');
      window.__old = cam.track;
      await window.rt.room.setMuted(cam.track, true);
      return { state: cam.track.readyState, muted: window.rt.room.localPublications[0].muted };
    });
    expect(off).toEqual({ state: 'ended', muted: true });
    await expect.poll(() => eventsOf(bob, 'track-muted'), { timeout: 15_000 }).toHaveLength(1);
    const on = await alice.page.evaluate(async () => {
      const fresh = await window.rt.room.setMuted(window.__old, false);
      return { state: fresh.readyState, same: fresh === window.__old, muted: window.rt.room.localPublications[0].muted };
    });
    expect(on).toEqual({ state: 'live', same: false, muted: false });
    await expect.poll(() => eventsOf(bob, 'track-unmuted'), { timeout: 15_000 }).toHaveLength(1);
    // The recaptured camera reaches bob on the same track (no renegotiation).
    const before = await bob.page.evaluate((id) => window.rt.probe(id), alice.id);
    await waitTile(bob, alice.id, 'camera', (s) => s.framesDecoded > before.framesDecoded, 'new frames');
    expect((await eventsOf(bob, 'track')).filter((e) => e.kind === 'video')).toHaveLength(1);
  } finally {
    await leave(bob);
    await leave(alice);
  }
});
