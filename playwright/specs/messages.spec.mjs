import { test, expect, waitConnected, uniqueRoom } from '../fixtures.mjs';

const messagesOf = (p) => p.page.evaluate(() => window.rt.messages);

test('broadcast and directed messages reach exactly their addressees, in order', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', publish: false });
  const bob = await join({ room, name: 'bob', publish: false });
  const carol = await join({ room, name: 'carol', publish: false });
  const people = [alice, bob, carol];
  await Promise.all(people.flatMap((a) => people.filter((b) => b !== a).map((b) => waitConnected(a.page, b.id))));

  // Broadcast.
  await alice.page.evaluate(() => window.rt.send('hello everyone'));
  for (const p of [bob, carol]) {
    await expect.poll(() => messagesOf(p)).toEqual([{ from: alice.id, data: 'hello everyone' }]);
  }

  // Directed to Bob, then a broadcast marker: messages from Alice are ordered,
  // so once Carol has the marker she would have had the directed one too.
  await alice.page.evaluate((to) => { window.rt.send('only for bob', to); window.rt.send('marker'); }, bob.id);
  await expect.poll(() => messagesOf(bob)).toEqual([
    { from: alice.id, data: 'hello everyone' },
    { from: alice.id, data: 'only for bob' },
    { from: alice.id, data: 'marker' },
  ]);
  await expect.poll(() => messagesOf(carol)).toEqual([
    { from: alice.id, data: 'hello everyone' },
    { from: alice.id, data: 'marker' },
  ]);
  expect(await messagesOf(alice)).toEqual([]);

  // 20 messages in a burst arrive complete and in order (from two senders).
  await Promise.all(people.map((p) => p.page.evaluate(() => { window.rt.messages.length = 0; })));
  await alice.page.evaluate(() => { for (let i = 0; i < 20; i++) window.rt.send(`a${i}`); });
  await bob.page.evaluate((to) => {
    for (let i = 0; i < 20; i++) window.rt.send(`b${i}`, to);
    window.rt.send('b-done');
  }, carol.id);
  const seq = (prefix, from) => Array.from({ length: 20 }, (_, i) => ({ from, data: `${prefix}${i}` }));
  const bobDone = { from: bob.id, data: 'b-done' };
  await expect.poll(() => messagesOf(bob)).toEqual(seq('a', alice.id));
  await expect.poll(async () => (await messagesOf(carol)).filter((m) => m.from === alice.id)).toEqual(seq('a', alice.id));
  await expect.poll(async () => (await messagesOf(carol)).filter((m) => m.from === bob.id))
    .toEqual([...seq('b', bob.id), bobDone]);
  // Bob's directed burst went to Carol only (Alice got just his broadcast).
  await expect.poll(() => messagesOf(alice)).toEqual([bobDone]);
});
