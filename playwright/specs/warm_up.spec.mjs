import { test, expect, expectReceivingVideo, GREEN, uniqueRoom } from '../fixtures.mjs';

// In the page before its scripts: every RTCPeerConnection and WebSocket the
// page makes, what each connection did, and every ICE candidate it gathered.
function instrument() {
  window.made = { sockets: 0, pcs: [] };
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws { constructor(...a) { super(...a); window.made.sockets += 1; } };
  const Pc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Pc {
    constructor(...a) {
      super(...a);
      const rec = { config: this.getConfiguration(), ops: [], candidates: 0, tracks: 0, pc: this };
      window.made.pcs.push(rec);
      // (An empty candidate is the end of gathering, not a candidate.)
      this.addEventListener('icecandidate', (e) => { if (e.candidate?.candidate) rec.candidates += 1; });
      this.addEventListener('track', () => { rec.tracks += 1; });
    }
    setLocalDescription(...a) {
      return super.setLocalDescription(...a).then((r) => { this.record(`local ${this.localDescription?.type}`); return r; });
    }
    setRemoteDescription(d, ...a) {
      return super.setRemoteDescription(d, ...a).then((r) => { this.record(`remote ${d?.type}`); return r; });
    }
    record(op) { window.made.pcs.find((r) => r.pc === this)?.ops.push(op); }
  };
}

const summary = () => window.made.pcs.map((r) => ({
  policy: r.config.iceTransportPolicy,
  servers: r.config.iceServers.length,
  ops: r.ops,
  candidates: r.candidates,
  tracks: r.tracks,
  state: r.pc.connectionState,
}));

test('importing the package runs one call between two in-page rooms at idle time, with nothing on the network, and closes it', async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  try {
    await context.addInitScript(instrument);
    const page = await context.newPage();
    // Without ?room the fixture page only imports the package.
    await page.goto(`${baseURL}/test/call.html`);
    await page.waitForFunction(() => window.rtcroom);
    await page.evaluate(() => window.rtcroom.warmedUp());
    const pcs = await page.evaluate(summary);
    expect(await page.evaluate(() => window.made.sockets)).toBe(0);
    // Two connections, relay-only with no TURN server: ICE has nothing to
    // gather, so no socket is opened and no candidate leaves the page.
    expect(pcs).toHaveLength(2);
    for (const pc of pcs) {
      expect(pc).toMatchObject({ policy: 'relay', servers: 0, candidates: 0, state: 'closed' });
    }
    // A whole negotiation ran (the code a first call needs compiled): one
    // side offered, the other answered, and each received the other's track.
    const ops = pcs.map((pc) => pc.ops.join(', ')).sort();
    expect(ops).toEqual(['local offer, remote answer', 'remote offer, local answer']);
    expect(pcs.map((pc) => pc.tracks)).toEqual([1, 1]);
  } finally {
    await context.close();
  }
});

test('a join right after the import cancels the warm-up before it builds any connection, and the call works', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', initScript: instrument });
  const bob = await join({ room, name: 'bob', color: GREEN });
  await expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN });
  await alice.page.evaluate(() => window.rtcroom.warmedUp());
  const pcs = await alice.page.evaluate(summary);
  // Only the call's own connection: the page joined as soon as it loaded.
  expect(pcs.map((pc) => pc.policy)).toEqual(['all']);
  expect(pcs[0].state).toBe('connected');
});
