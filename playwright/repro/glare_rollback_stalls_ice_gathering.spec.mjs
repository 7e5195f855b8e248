// Chromium (seen with Debian's 156.0.8078.79), no rtcroom involved: a peer
// connection that rolls back its own offer (perfect negotiation's polite side
// applying the other side's offer in a glare) right after
// setLocalDescription(offer) resolved, while iceGatheringState is still
// 'new', usually never gathers a candidate again: the answer's
// iceGatheringState stays 'gathering' with no icecandidate event, and even
// restartIce() + a fresh offer gathers nothing. The remote side then waits in
// iceConnectionState 'new' forever (other RTCPeerConnections of the page
// keep working).
// Here both sides' setLocalDescription run together, as when two rtcroom
// participants connect: about 5 of 6 glares stall.
import { test, expect } from '../fixtures.mjs';

test('glare rollback before the first candidate can wedge ICE gathering', async ({ newPage, baseURL }) => {
  const ROUNDS = Number(process.env.ROUNDS || 3);
  const results = [];
  const one = async () => {
    const page = await newPage();
    await page.goto(`${baseURL}/test/call.html`);
    await page.waitForFunction(() => window.rt?.loaded);
    results.push(await page.evaluate(async () => {
      const ufrag = (d) => /a=ice-ufrag:(\S+)/.exec(d.sdp)[1];
      const stream = document.getElementById('local').captureStream(15);
      const polite = new RTCPeerConnection();
      const impolite = new RTCPeerConnection();
      const cands = [];
      polite.onicecandidate = (e) => cands.push(e.candidate ? e.candidate.usernameFragment : 'end');
      polite.addTrack(stream.getVideoTracks()[0], stream);
      impolite.addTrack(stream.getVideoTracks()[0], stream);
      impolite.createDataChannel('rtcroom', { ordered: true });
      // Glare: both offer; the polite side applies the other offer (implicit rollback).
      await Promise.all([polite.setLocalDescription(), impolite.setLocalDescription()]);
      const gatheringAtRollback = polite.iceGatheringState;
      await polite.setRemoteDescription(impolite.localDescription);
      await polite.setLocalDescription();
      await impolite.setRemoteDescription(polite.localDescription);
      await new Promise((r) => setTimeout(r, 3000));
      const answer = ufrag(polite.localDescription);
      const r = { gatheringAtRollback, gathering: polite.iceGatheringState, answerCandidates: cands.filter((u) => u === answer).length, all: cands.join(',') };
      if (r.answerCandidates === 0) {
        polite.restartIce();
        await polite.setLocalDescription();
        await impolite.setRemoteDescription(polite.localDescription);
        await impolite.setLocalDescription();
        await polite.setRemoteDescription(impolite.localDescription);
        await new Promise((res) => setTimeout(res, 3000));
        const restarted = ufrag(polite.localDescription);
        r.afterRestartIce = { gathering: polite.iceGatheringState, candidates: cands.filter((u) => u === restarted).length };
      }
      polite.close();
      impolite.close();
      return r;
    }));
    await page.context().close();
  };
  for (let round = 0; round < ROUNDS; round++) await Promise.all([one(), one(), one(), one()]);
  const stalled = results.filter((r) => r.answerCandidates === 0);
  console.log(`${stalled.length} of ${results.length} glares left the answer without ICE candidates`);
  console.log(`iceGatheringState at the rollback: ${JSON.stringify(results.map((r) => r.gatheringAtRollback))}`);
  for (const r of stalled) console.log(JSON.stringify(r));
  // Documents the bug: passes when it did not show up this time.
  expect(stalled, 'connections whose ICE gathering stalled').toEqual([]);
});
