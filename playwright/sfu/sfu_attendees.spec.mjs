// A VideoRoom that announces joins without media (`notify_joining = true`,
// room 1252 in scripts/janus/): a viewer who publishes nothing is a
// participant to the others, with its name, from its join to its leave; a
// screen share is not a participant of its own (its handle's display is
// marked); a publisher who unpublishes everything stays in the room.
import { test, expect } from '@playwright/test';
import { expectReceivingVideo, COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave } from './fixtures.mjs';

const names = (p) => p.page.evaluate(() => window.rt.room.participants.map((x) => `${x.id}/${x.name}`).sort());
const leftIds = (p) => p.page.evaluate(() => window.rt.events.filter((e) => e.type === 'participant-left').map((e) => e.participant));

test('in a room that announces joins, viewers are participants until they leave; a screen share is not one', async ({ browser }) => {
  const pub = await sfuParticipant(browser, { room: 1252, name: 'pub', colour: COLOURS[0], screen: COLOURS[1] });
  const viewer = await sfuParticipant(browser, { room: 1252, name: 'viewer', publish: false });
  let late = null;
  try {
    await expectReceivingVideo(viewer.page, { from: pub.id, colour: pub.colour, timeout: 30_000 });
    // Each sees the other: the viewer from its join (Janus's `joining`),
    // the publisher from Janus's `publishers`.
    await expect.poll(() => names(pub), { timeout: 15_000 }).toEqual([`${viewer.id}/viewer`]);
    expect(await names(viewer)).toEqual([`${pub.id}/pub`]);
    // A viewer who joins later learns of the other viewer from `attendees`.
    late = await sfuParticipant(browser, { room: 1252, name: 'late', publish: false });
    await expect.poll(() => names(late), { timeout: 15_000 }).toEqual([`${pub.id}/pub`, `${viewer.id}/viewer`].sort());
    await expect.poll(() => names(viewer), { timeout: 15_000 }).toEqual([`${late.id}/late`, `${pub.id}/pub`].sort());

    // A screen share: a feed of the publisher's own, not a participant.
    await pub.page.evaluate(() => window.rt.room.publishScreen());
    await expect.poll(() => viewer.page.evaluate((id) => !!window.rt.screen[id], pub.id), { timeout: 30_000 }).toBe(true);
    expect(await names(viewer)).toEqual([`${late.id}/late`, `${pub.id}/pub`].sort());
    const joinedIds = await viewer.page.evaluate(() => window.rt.events.filter((e) => e.type === 'participant-joined').map((e) => e.participant));
    expect(joinedIds.sort()).toEqual([late.id, pub.id].sort());

    // Unpublishing everything: still in the room.
    await pub.page.evaluate(async () => { for (const t of window.rt.room.localTracks) await window.rt.room.unpublish(t); });
    await expect.poll(() => viewer.page.evaluate(() => window.rt.events.filter((e) => e.type === 'track-removed').length), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await viewer.page.waitForTimeout(1500);
    expect(await names(viewer)).toContain(`${pub.id}/pub`);
    expect(await leftIds(viewer)).toEqual([]);

    // Leaving: gone for the others.
    await leave(late);
    late = null;
    await expect.poll(() => names(pub), { timeout: 15_000 }).toEqual([`${viewer.id}/viewer`]);
    await leave(pub);
    await expect.poll(() => names(viewer), { timeout: 15_000 }).toEqual([]);
    expect((await leftIds(viewer)).length).toBe(2);
  } finally {
    if (late) await leave(late);
    await leave(viewer);
    await leave(pub);
  }
});

/** A moderator's `kick` of participant `id` from VideoRoom `room`, sent from `page` over a Janus session of its own. */
async function kick(page, room, id) {
  return page.evaluate(async ([url, room, id]) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const replies = new Map();
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.janus !== 'ack') replies.get(f.transaction)?.(f);
    };
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    let n = 0;
    const ask = (frame) => new Promise((ok) => {
      const transaction = `kick-${++n}`;
      replies.set(transaction, ok);
      ws.send(JSON.stringify({ ...frame, transaction }));
    });
    const session = (await ask({ janus: 'create' })).data.id;
    const handle = (await ask({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data.id;
    const reply = await ask({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'kick', room, id: Number(id) } });
    ws.send(JSON.stringify({ janus: 'destroy', session_id: session, transaction: 'bye' }));
    ws.close();
    return reply.plugindata?.data?.videoroom ?? JSON.stringify(reply);
  }, [process.env.RTCROOM_JANUS_URL, room, id]);
}

test('a participant a moderator kicks is disconnected with reason kicked and leaves for the others', async ({ browser }) => {
  const pub = await sfuParticipant(browser, { room: 1252, name: 'pub', colour: COLOURS[2] });
  const victim = await sfuParticipant(browser, { room: 1252, name: 'victim', colour: COLOURS[3] });
  try {
    await expectReceivingVideo(pub.page, { from: victim.id, colour: victim.colour, timeout: 30_000 });
    expect(await kick(pub.page, 1252, victim.id)).toBe('success');
    const disconnected = () => victim.page.evaluate(() => window.rt.events.filter((e) => e.type === 'connection-state' && e.state === 'disconnected').map((e) => e.reason));
    await expect.poll(disconnected, { timeout: 15_000 }).toEqual(['kicked']);
    expect(await victim.page.evaluate(() => window.rt.room.state)).toBe('left');
    await expect.poll(() => leftIds(pub), { timeout: 15_000 }).toEqual([victim.id]);
    // Nothing retried: no reconnection after it.
    await victim.page.waitForTimeout(2000);
    const after = await victim.page.evaluate(() => window.rt.events.filter((e) => e.type === 'connection-state').map((e) => e.state));
    expect(after.at(-1)).toBe('disconnected');
    expect(after.filter((s) => s === 'reconnecting')).toEqual([]);
  } finally {
    await leave(victim);
    await leave(pub);
  }
});
