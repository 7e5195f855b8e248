// Stats and quality in an SFU room on a real Janus, in real Chromium:
// `room.stats(participant)` is what we receive of that participant (their
// mids on our subscriber connection), with a quality level and
// `quality-changed`; `room.stats('sfu-publisher')` is what we send, per
// simulcast layer.
import { test, expect } from '@playwright/test';
import { sfuParticipant, leave } from './fixtures.mjs';

const stats = (p, id) => p.page.evaluate((id) => window.rt.room.stats(id), id);

test('stats(participant) in an SFU room is what we receive of them, with a quality level; stats("sfu-publisher") has our layers', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1247, name: 'alice', width: 1280, height: 720, audio: true });
  const bob = await sfuParticipant(browser, { room: 1247, name: 'bob', publish: false });
  try {
    // Bob receives alice's camera and microphone: bitrate, decoded video
    // at a layer's size, a clean loopback link's level.
    await expect.poll(async () => {
      const s = await stats(bob, alice.id);
      return s && s.bitrateIn > 50_000 && s.videoIn.length === 1 && s.videoIn[0].width > 0 && s.videoIn[0].framesDecoded > 0 && s.quality;
    }, { timeout: 20_000 }).toBe('excellent');
    const s = await stats(bob, alice.id);
    expect(s.bitrateOut).toBe(0);
    expect(s.layersOut).toEqual([]);
    expect(s.lossPercent).toBeLessThan(1);
    expect(s.rttMs).not.toBeNull();
    expect(s.localCandidateType).not.toBeNull();
    expect([320, 640, 1280]).toContain(s.videoIn[0].width);
    await expect.poll(() => bob.page.evaluate((id) => window.rt.events.filter((e) => e.type === 'quality-changed' && e.participant === id).length, alice.id), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => bob.page.evaluate((id) => window.rt.room.snapshot.participants.find((p) => p.id === id)?.quality, alice.id)).toBe('excellent');
    // The whole subscriber connection, and nothing for an unknown id.
    expect((await stats(bob, 'sfu-subscriber')).bitrateIn).toBeGreaterThan(50_000);
    expect(await stats(bob, '12345')).toBeNull();

    // Alice's publisher connection: the camera's three layers and the
    // microphone, each with its bitrate.
    await expect.poll(async () => {
      const p = await stats(alice, 'sfu-publisher');
      return p?.layersOut.filter((l) => l.kind === 'video' && l.bitrate > 0).map((l) => `${l.rid}:${l.width}`).sort();
    }, { timeout: 20_000 }).toEqual(['f:1280', 'h:640', 'q:320']);
    expect((await stats(alice, 'sfu-publisher')).bitrateOut).toBeGreaterThan(100_000);

    // Alice leaves: her stats go with her.
    await leave(alice);
    await expect.poll(() => stats(bob, alice.id), { timeout: 15_000 }).toBeNull();
  } finally {
    await leave(bob);
    await leave(alice);
  }
});
