import { test, expect, waitConnected, uniqueRoom, BLUE } from '../fixtures.mjs';

// Defects found when the foundation was tried as a new user would: each
// spec failed before its fix.

const messagesOf = (p) => p.page.evaluate(() => window.rt.messages);

test('bad arguments reject with a documented code, never a bare TypeError', async ({ page, baseURL }) => {
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const r = await page.evaluate(async () => {
    const room = await window.rtcroom.Room.join(`ws://${location.host}/ws`, { room: `bad-args-${Math.random()}` });
    const codes = {};
    const attempt = async (name, f) => {
      try { await f(); codes[name] = 'resolved'; } catch (e) { codes[name] = e instanceof Error ? (e.code ?? 'no-code') : 'not-an-error'; }
    };
    for (const [name, arg] of [['null', null], ['undefined', undefined], ['object', {}], ['string', 'x'], ['stream', new MediaStream()]]) {
      await attempt(`publishTrack(${name})`, () => room.publishTrack(arg));
    }
    await attempt('unpublish(null)', () => room.unpublish(null));
    await attempt('send(number)', () => room.send(42));
    await attempt('send(to: number)', () => room.send('x', { to: 5 }));
    const canvas = document.createElement('canvas');
    const ended = canvas.captureStream().getVideoTracks()[0];
    ended.stop();
    await attempt('publishTrack(ended)', () => room.publishTrack(ended, { source: 'custom' }));
    const local = room.localTracks.length;
    await room.leave();
    return { codes, local };
  });
  for (const [call, code] of Object.entries(r.codes)) {
    expect(code, call).toBe('invalid-argument');
  }
  expect(r.local, 'an ended track is not published').toBe(0);
});

test('an invalid iceServers entry is refused at join, not silently never connecting', async ({ page, baseURL }) => {
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const codes = await page.evaluate(async () => {
    const out = [];
    for (const iceServers of [[{ urls: ['http://127.0.0.1'] }], [{ urls: ['turn:127.0.0.1:3478'] }], [{ urls: [] }]]) {
      try {
        const room = await window.rtcroom.Room.join(`ws://${location.host}/ws`, { room: 'ice', iceServers });
        await room.leave();
        out.push('resolved');
      } catch (e) { out.push(e.code); }
    }
    return out;
  });
  expect(codes).toEqual(['invalid-argument', 'invalid-argument', 'invalid-argument']);
});

test('a joined room the app does not hold survives garbage collection', async ({ join, page, baseURL }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: BLUE, publish: false });
  // Bob joins from a function that returns without keeping the Room.
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const bob = { page };
  await bob.page.evaluate(async (room) => {
    const { Room } = window.rtcroom;
    window.bobMessages = [];
    (async () => {
      const r = await Room.join(`ws://${location.host}/ws`, { room, name: 'bob' });
      r.on('message', ({ data }) => window.bobMessages.push(data));
      window.bobId = r.id;
    })();
  }, room);
  await bob.page.waitForFunction(() => window.bobId);
  const bobId = await bob.page.evaluate(() => window.bobId);
  await waitConnected(alice.page, bobId);
  const cdp = await bob.page.context().newCDPSession(bob.page);
  for (let i = 0; i < 3; i++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await bob.page.waitForTimeout(300);
  }
  await alice.page.evaluate(() => window.rt.send('still there?'));
  await expect.poll(() => bob.page.evaluate(() => window.bobMessages)).toEqual(['still there?']);
  const left = await alice.page.evaluate(() => window.rt.events.filter((e) => e.type === 'participant-left'));
  expect(left).toEqual([]);
});

test('binary and lossy messages arrive next to text', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', publish: false });
  const bob = await join({ room, name: 'bob', publish: false });
  await waitConnected(alice.page, bob.id);
  await waitConnected(bob.page, alice.id);
  await alice.page.evaluate(() => {
    const room = window.rt.room;
    room.send('text');
    room.send(new Uint8Array([1, 2, 3]));
    room.send(new Uint8Array([9, 8, 7, 6]).buffer);
  });
  await expect.poll(() => bob.page.evaluate(() => window.rt.messages.map((m) => (
    typeof m.data === 'string' ? m.data : `bytes:${Array.from(m.data).join(',')}`
  )))).toEqual(['text', 'bytes:1,2,3', 'bytes:9,8,7,6']);
  // Lossy: unordered, no retransmits; on loopback nothing is lost.
  await alice.page.evaluate(() => { for (let i = 0; i < 5; i++) window.rt.room.send(`lossy${i}`, { reliable: false }); });
  await expect.poll(async () => (await messagesOf(bob)).filter((m) => String(m.data).startsWith('lossy')).length).toBe(5);
  // A broadcast reports per participant instead of throwing.
  const failed = await alice.page.evaluate(() => window.rt.room.send('all'));
  expect(failed).toEqual([]);
});
