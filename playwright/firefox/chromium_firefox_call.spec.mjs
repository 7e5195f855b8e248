// A call between Chromium and Firefox ESR through the real server, in both
// roles of perfect negotiation (the polite side is the one with the smaller
// id): they connect with data channels only, both publish mid-call with
// their offers made to cross (glare, renegotiation), each then
// sees the other's video by pixels (Chromium sends a red canvas, Firefox its
// fake camera, solid green) with decoded frames increasing, and each side in
// turn restarts ICE (`room.restartIce`): new ufrags on both ends, connected
// again, video still flowing.
import { expectReceivingVideo, expectReceivingAudio, waitConnected, events, uniqueRoom, RED } from '../fixtures.mjs';
import { test, expect, FIREFOX_GREEN, descriptions, wireLength, sawGlare, ufrags } from './fixtures.mjs';

/** Both see the other's colour with frames decoded and rendered, and Chromium hears Firefox's tone. */
async function expectMediaBothWays(chromium, firefox) {
  await Promise.all([
    expectReceivingVideo(chromium.page, { from: firefox.id, colour: FIREFOX_GREEN }),
    expectReceivingVideo(firefox.page, { from: chromium.id, colour: RED }),
    expectReceivingAudio(chromium.page, { from: firefox.id }),
  ]);
}

/**
 * `initiator` restarts ICE towards `other`; both ends change their local
 * and remote ufrags, end stable and connected, and media flows again.
 * `asked`: the initiator asks `other` to offer the restart (`restart-ice`:
 * Chromium towards Firefox, README *Browsers*) rather than offering it.
 */
async function expectIceRestart(initiator, other, { asked }, chromium, firefox) {
  const mark = await wireLength(initiator.page);
  const [a0, b0] = [await ufrags(initiator.page, other.id), await ufrags(other.page, initiator.id)];
  expect(a0.local && a0.remote && b0.local && b0.remote).toBeTruthy();
  await initiator.page.evaluate((id) => window.rt.room.restartIce(id), other.id);
  let last;
  const renewed = async () => {
    const [a, b] = [await ufrags(initiator.page, other.id), await ufrags(other.page, initiator.id)];
    last = { before: { [initiator.name]: a0, [other.name]: b0 }, after: { [initiator.name]: a, [other.name]: b } };
    return a.local !== a0.local && a.remote !== a0.remote && b.local !== b0.local && b.remote !== b0.remote
      && a.local === b.remote && b.local === a.remote
      && [a, b].every((s) => s.connection === 'connected' && s.signaling === 'stable');
  };
  await expect.poll(renewed, { timeout: 20_000, intervals: [50, 100, 250] }).toBe(true)
    .catch((e) => { throw new Error(`ICE restart by ${initiator.name}: ${JSON.stringify(last)}`, { cause: e }); });
  const wire = (await initiator.page.evaluate(() => window.rt.wire)).slice(mark);
  const requests = wire.filter((l) => / -> .*"kind":"restart-ice"/.test(l)).length;
  const offers = (await descriptions(initiator.page, mark)).filter((d) => d.type === 'offer');
  expect({ requests, offersSent: offers.some((d) => d.dir === '->') })
    .toEqual({ requests: asked ? 1 : 0, offersSent: !asked });
  await expectMediaBothWays(chromium, firefox);
}

for (const politeBrowser of ['chromium', 'firefox']) {
  test(`${politeBrowser} polite: glare publishing mid-call, video both ways by pixels, ICE restarts from each side`, async ({ pair }, testInfo) => {
    const { chromium, firefox } = await pair({ room: uniqueRoom(testInfo), politeBrowser });
    const people = [chromium, firefox];

    // The first negotiation (the impolite side's data channels) connects.
    await Promise.all([waitConnected(chromium.page, firefox.id), waitConnected(firefox.page, chromium.id)]);
    // Messages both ways over the data channel Chromium or Firefox created.
    await chromium.page.evaluate((id) => window.rt.send('from chromium', id), firefox.id);
    await firefox.page.evaluate((id) => window.rt.send('from firefox', id), chromium.id);
    for (const [to, from, text] of [[firefox, chromium, 'from chromium'], [chromium, firefox, 'from firefox']]) {
      await expect.poll(() => to.page.evaluate(() => window.rt.messages)).toEqual([{ from: from.id, data: text }]);
    }

    // Both publish while their incoming signaling is held, and it is
    // released once each has sent its offer: the offers cross (glare). The
    // polite side rolls back and answers, the impolite one ignores the
    // other's offer.
    const marks = await Promise.all(people.map((p) => wireLength(p.page)));
    await Promise.all(people.map((p) => p.page.evaluate(() => window.__signaling.hold())));
    await chromium.page.evaluate(() => window.rt.publishCanvas());
    await firefox.page.evaluate(() => window.rt.publishCamera());
    await expect.poll(() => Promise.all(people.map(async (p, i) => (await descriptions(p.page, marks[i]))
      .some((d) => d.dir === '->' && d.type === 'offer'))), { message: 'both sent an offer' }).toEqual([true, true]);
    await Promise.all(people.map((p) => p.page.evaluate(() => window.__signaling.release())));
    await expectMediaBothWays(chromium, firefox);
    const seen = await Promise.all(people.map((p, i) => descriptions(p.page, marks[i])));
    expect(seen.map(sawGlare), `the offers crossed: ${JSON.stringify(seen)}`).toEqual([true, true]);

    // Each side restarts ICE in turn. Chromium asks Firefox to offer its
    // restart (README *Browsers*); Firefox offers its own.
    await expectIceRestart(chromium, firefox, { asked: true }, chromium, firefox);
    await expectIceRestart(firefox, chromium, { asked: false }, chromium, firefox);

    // Nothing failed on the way: no warnings, the connection never failed,
    // and the tracks arrived with their sources.
    for (const p of people) {
      expect(await events(p.page, { type: 'warning' })).toEqual([]);
      expect(await events(p.page, { type: 'participant-state', state: 'failed' })).toEqual([]);
    }
    const fromFirefox = await events(chromium.page, { type: 'track', participant: firefox.id });
    expect(fromFirefox.map((e) => e.source).sort()).toEqual(['camera', 'microphone']);
    const fromChromium = await events(firefox.page, { type: 'track', participant: chromium.id });
    expect(fromChromium.map((e) => e.source)).toEqual(['camera']);
  });
}
