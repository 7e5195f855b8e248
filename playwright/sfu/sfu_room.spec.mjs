// SFU rooms on a real Janus (VideoRoom) in real Chromium, through the same
// Room API as a mesh: simulcast layers flowing, everyone seeing everyone,
// data through the VideoRoom, and adaptive stream (the layer follows the tile).
import { test, expect } from '@playwright/test';
import { expectReceivingVideo, COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave, waitInbound } from './fixtures.mjs';

test('a publisher sends three simulcast layers 320, 640 and 1280 wide from a 1280x720 camera', async ({ browser }) => {
  const p = await sfuParticipant(browser, { room: 1235, name: 'pub', width: 1280, height: 720 });
  try {
    const widths = async () => {
      const o = await p.page.evaluate(() => window.rt.outbound());
      return ['q', 'h', 'f'].map((rid) => o[rid]?.width ?? 0);
    };
    await expect.poll(widths, { timeout: 30_000 }).toEqual([320, 640, 1280]);
    // Every layer is flowing: bytes increase on each rid over a second.
    // Polled: right after the start the bandwidth estimate (and so the ABR
    // controller) may hold the top layer back for a few seconds.
    const growing = async () => {
      const a = await p.page.evaluate(() => window.rt.outbound());
      await p.page.waitForTimeout(1000);
      const b = await p.page.evaluate(() => window.rt.outbound());
      return ['q', 'h', 'f'].filter((rid) => b[rid]?.bytes > (a[rid]?.bytes ?? 0));
    };
    await expect.poll(growing, { timeout: 30_000 }).toEqual(['q', 'h', 'f']);
  } finally {
    await leave(p);
  }
});

test('four participants in an SFU room each see the other three by colour', async ({ browser }) => {
  const ps = [];
  try {
    for (let i = 0; i < 4; i++) {
      ps.push(await sfuParticipant(browser, { room: 1236, name: `p${i}`, colour: COLOURS[i], width: 640, height: 360 }));
    }
    for (const me of ps) {
      for (const other of ps) {
        if (other === me) continue;
        await expectReceivingVideo(me.page, { from: other.id, colour: other.colour, timeout: 45_000 });
      }
    }
    // Participants are the others, by their Janus ids, with their names.
    const seen = await ps[0].page.evaluate(() => window.rt.room.participants.map((p) => `${p.id}/${p.name}`).sort());
    expect(seen).toEqual(ps.slice(1).map((p) => `${p.id}/${p.name}`).sort());
  } finally {
    for (const p of ps) await leave(p);
  }
});

test('room.send reaches the others through the VideoRoom data channel, from its sender', async ({ browser }) => {
  const a = await sfuParticipant(browser, { room: 1238, name: 'a', colour: COLOURS[0] });
  const b = await sfuParticipant(browser, { room: 1238, name: 'b', colour: COLOURS[1] });
  try {
    await expectReceivingVideo(b.page, { from: a.id, colour: a.colour });
    await expectReceivingVideo(a.page, { from: b.id, colour: b.colour });
    // Janus relays data to a subscriber only once that connection's SCTP
    // association is up (its `dataready`), which can come after its video
    // under load: until then it drops the message (README, SFU rooms).
    const sctpUp = (p, from) => p.page.evaluate((id) => window.rt.room.peerConnection(id)?.sctp?.state, from);
    await expect.poll(() => sctpUp(a, b.id), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => sctpUp(b, a.id), { timeout: 15_000 }).toBe('connected');
    await a.page.evaluate(() => window.rt.room.send('hello over janus'));
    await b.page.evaluate(() => window.rt.room.send('and back'));
    await expect.poll(() => b.page.evaluate(() => window.rt.messages), { timeout: 15_000 }).toEqual([{ from: a.id, data: 'hello over janus' }]);
    await expect.poll(() => a.page.evaluate(() => window.rt.messages), { timeout: 15_000 }).toEqual([{ from: b.id, data: 'and back' }]);
  } finally {
    await leave(a);
    await leave(b);
  }
});

test('adaptive stream: two tile sizes get two layers, shrinking and growing switch, hiding pauses', async ({ browser }) => {
  const pub = await sfuParticipant(browser, { room: 1237, name: 'pub', width: 1280, height: 720 });
  const small = await sfuParticipant(browser, { room: 1237, name: 'small', publish: false });
  const large = await sfuParticipant(browser, { room: 1237, name: 'large', publish: false });
  try {
    for (const s of [small, large]) {
      await s.page.waitForFunction((id) => !!window.rt.video[id], pub.id, { timeout: 30_000 });
    }
    await small.page.evaluate((id) => window.rt.setTile(id, 320, 180), pub.id);
    await large.page.evaluate((id) => window.rt.setTile(id, 1280, 720), pub.id);
    await waitInbound(small, pub.id, (s) => s.width === 320);
    await waitInbound(large, pub.id, (s) => s.width === 1280);
    // Grow the small one, shrink the large one.
    await small.page.evaluate((id) => window.rt.setTile(id, 1280, 720), pub.id);
    await large.page.evaluate((id) => window.rt.setTile(id, 320, 180), pub.id);
    await waitInbound(small, pub.id, (s) => s.width === 1280);
    await waitInbound(large, pub.id, (s) => s.width === 320);
    await large.page.evaluate((id) => window.rt.setTile(id, 640, 360), pub.id);
    await waitInbound(large, pub.id, (s) => s.width === 640);
    // Hidden: Janus stops forwarding (nothing decoded for 1.5 s) while the other keeps receiving.
    await small.page.evaluate((id) => window.rt.setTile(id, 1280, 720, false), pub.id);
    await small.page.waitForTimeout(1000);
    const h1 = await small.page.evaluate((id) => window.rt.inbound(id), pub.id);
    const l1 = await large.page.evaluate((id) => window.rt.inbound(id), pub.id);
    await small.page.waitForTimeout(1500);
    const h2 = await small.page.evaluate((id) => window.rt.inbound(id), pub.id);
    const l2 = await large.page.evaluate((id) => window.rt.inbound(id), pub.id);
    expect(h2.bytes, 'paused: no bytes').toBe(h1.bytes);
    expect(l2.framesDecoded).toBeGreaterThan(l1.framesDecoded);
    // Shown again (small): resumes at the layer for its size.
    await small.page.evaluate((id) => window.rt.setTile(id, 320, 180, true), pub.id);
    const r = await waitInbound(small, pub.id, (s) => s.width === 320 && s.framesDecoded > h2.framesDecoded);
    expect(r.framesDecoded).toBeGreaterThan(h2.framesDecoded);
  } finally {
    for (const p of [small, large, pub]) await leave(p);
  }
});
