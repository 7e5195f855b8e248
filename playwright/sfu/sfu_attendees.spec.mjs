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

/**
 * A moderator's VideoRoom request (`body`), sent from `page` over a Janus
 * session of its own; resolves with the plugin's reply data.
 */
async function moderate(page, body) {
  return page.evaluate(async ([url, body]) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const replies = new Map();
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.janus !== 'ack') replies.get(f.transaction)?.(f);
    };
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    let n = 0;
    const ask = (frame) => new Promise((ok) => {
      const transaction = `mod-${++n}`;
      replies.set(transaction, ok);
      ws.send(JSON.stringify({ ...frame, transaction }));
    });
    const session = (await ask({ janus: 'create' })).data.id;
    const handle = (await ask({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data.id;
    const reply = await ask({ janus: 'message', session_id: session, handle_id: handle, body });
    ws.send(JSON.stringify({ janus: 'destroy', session_id: session, transaction: 'bye' }));
    ws.close();
    return reply.plugindata?.data ?? { error: JSON.stringify(reply) };
  }, [process.env.RTCROOM_JANUS_URL, body]);
}

/** `kick` of participant `id` from VideoRoom `room`: Janus's `videoroom` reply (`success`). */
const kick = async (page, room, id) => (await moderate(page, { request: 'kick', room, id: Number(id) })).videoroom;

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

test('a kick of our screen share ends only the share: reason kicked, capture stopped, the camera and room go on, sharing again works', async ({ browser }) => {
  const pub = await sfuParticipant(browser, { room: 1252, name: 'sharer', colour: COLOURS[4], screen: COLOURS[5] });
  const viewer = await sfuParticipant(browser, { room: 1252, name: 'watcher', publish: false });
  const screenTile = () => viewer.page.evaluate((id) => window.rt.probe(id, 'screen'), pub.id);
  const screenShown = async () => { const p = await screenTile(); return !!p && p.live && p.rgb[1] > 150 && p.rgb[2] > 150 && p.rgb[0] < 100; };
  try {
    await expectReceivingVideo(viewer.page, { from: pub.id, colour: pub.colour, timeout: 30_000 });
    await pub.page.evaluate(async () => { window.rt.shared = await window.rt.room.publishScreen(); });
    await expect.poll(screenShown, { timeout: 30_000 }).toBe(true);
    // The screen's feed, as Janus lists it: our display marked with U+200B.
    const listed = await moderate(pub.page, { request: 'listparticipants', room: 1252 });
    const screenFeed = listed.participants.find((p) => p.display === 'sharer\u200b');
    expect(screenFeed, JSON.stringify(listed)).toBeTruthy();
    expect(await kick(pub.page, 1252, screenFeed.id)).toBe('success');

    const unpublished = () => pub.page.evaluate(() => window.rt.events.filter((e) => e.type === 'track-unpublished').map((e) => `${e.source}/${e.reason}`));
    await expect.poll(unpublished, { timeout: 15_000 }).toEqual(['screen/kicked']);
    // The SDK's capture is released (the browser's "sharing" indicator goes).
    expect(await pub.page.evaluate(() => window.rt.shared.map((t) => t.readyState))).toEqual(['ended']);
    expect(await pub.page.evaluate(() => window.rt.room.localPublications.map((p) => p.source))).toEqual(['camera']);
    await expect.poll(() => viewer.page.evaluate(() => window.rt.events.filter((e) => e.type === 'track-removed' && e.source === 'screen').length), { timeout: 15_000 }).toBe(1);
    // The camera flows on; nobody left, no room-level change, no warning.
    await expectReceivingVideo(viewer.page, { from: pub.id, colour: pub.colour, timeout: 15_000 });
    expect(await leftIds(viewer)).toEqual([]);
    const pubEvents = await pub.page.evaluate(() => window.rt.events.filter((e) => e.type === 'warning' || e.type === 'connection-state').map((e) => `${e.type}/${e.state ?? e.code}`));
    expect(pubEvents.filter((e) => e !== 'connection-state/connected')).toEqual([]);

    // Sharing again: a new handle (the kicked one cannot join), seen again.
    await pub.page.evaluate(async () => { window.rt.shared = await window.rt.room.publishScreen(); });
    await expect.poll(() => viewer.page.evaluate(() => window.rt.events.filter((e) => e.type === 'track' && e.source === 'screen').length), { timeout: 30_000 }).toBe(2);
    await expect.poll(screenShown, { timeout: 30_000 }).toBe(true);
  } finally {
    await leave(viewer);
    await leave(pub);
  }
});
