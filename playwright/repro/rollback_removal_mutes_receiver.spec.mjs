// Chromium (seen with Debian's 156.0.8078.x), no rtcroom involved: when a
// remote offer that stops the remote's sending on a transceiver is applied
// while our own offer is pending (the polite side of a glare: implicit, or
// explicit, rollback first), that transceiver's receiver never unmutes
// again. A later re-addition on it renegotiates to sendrecv and fires
// `track`, RTP arrives and decodes, yet the track stays muted and a <video>
// playing it stays at readyState 0 — for good (later clean cycles, direction
// toggles and ICE restarts do not help). Without the rollback (the same
// offers in turn) it works. Compare w3c/webrtc-pc#3081 ("[[Receptive]] can
// get stuck in wrong state when rolling back SDP").
// This is why rtcroom never toggles directions to unpublish/publish: it
// detaches and re-attaches tracks with replaceTrack (src/core/room/senders.rs).
// Run in a namespace whose pages can gather a candidate (see ../README.md).
import { test, expect } from '../fixtures.mjs';

test('a removal applied through a rollback leaves the receiver muted for good', async ({ newPage, baseURL }) => {
  const page = await newPage();
  await page.goto(`${baseURL}/test/call.html`);
  await page.waitForFunction(() => window.rt?.loaded);
  const results = await page.evaluate(async () => {
    const canvasTrack = (color) => {
      const c = document.createElement('canvas');
      c.width = 64; c.height = 64;
      const g = c.getContext('2d');
      setInterval(() => { g.fillStyle = color; g.fillRect(0, 0, 64, 64); }, 50);
      return c.captureStream(15).getVideoTracks()[0];
    };
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    const run = async (glare) => {
      const polite = new RTCPeerConnection(), impolite = new RTCPeerConnection();
      polite.onicecandidate = (e) => e.candidate && setTimeout(() => impolite.addIceCandidate(e.candidate).catch(() => {}), 200);
      impolite.onicecandidate = (e) => e.candidate && setTimeout(() => polite.addIceCandidate(e.candidate).catch(() => {}), 200);
      let received = null;
      const video = document.createElement('video');
      video.muted = true; video.autoplay = true; document.body.append(video);
      polite.ontrack = (e) => { received = e.track; video.srcObject = e.streams[0]; video.play().catch(() => {}); };
      const exchange = async (x, y) => {
        await x.setLocalDescription(); await y.setRemoteDescription(x.localDescription);
        await y.setLocalDescription(); await x.setRemoteDescription(y.localDescription);
      };
      // As rtcroom sets up a connection: both cameras share one video m-section.
      impolite.addTransceiver('audio', { direction: 'recvonly' });
      impolite.addTransceiver('video', { direction: 'recvonly' });
      impolite.createDataChannel('rtcroom');
      const far = impolite.addTrack(canvasTrack('blue'), new MediaStream());
      await impolite.setLocalDescription();
      const near = polite.addTrack(canvasTrack('red'), new MediaStream());
      await polite.setRemoteDescription(impolite.localDescription);
      await polite.setLocalDescription();
      await impolite.setRemoteDescription(polite.localDescription);
      await wait(1200);
      // Both stop sending on it.
      polite.removeTrack(near); impolite.removeTrack(far);
      if (glare) {
        await polite.setLocalDescription(); await impolite.setLocalDescription();
        await polite.setRemoteDescription(impolite.localDescription); // implicit rollback
        await polite.setLocalDescription(); await impolite.setRemoteDescription(polite.localDescription);
        await exchange(polite, impolite); // the polite side's own change, now
      } else {
        await exchange(impolite, polite);
      }
      // The impolite side sends on it again.
      const t = impolite.getTransceivers().find((x) => x.sender === far);
      await far.replaceTrack(canvasTrack('green')); t.direction = 'sendrecv';
      await exchange(impolite, polite);
      await wait(2500);
      let decoded = 0;
      (await polite.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded ?? 0; });
      const r = { glare, muted: received?.muted, readyState: video.readyState, decoded };
      polite.close(); impolite.close(); video.remove();
      return r;
    };
    return [await run(false), await run(true)];
  });
  console.log(JSON.stringify(results));
  const [plain, glare] = results;
  expect(plain.muted, 'the same removal and re-addition without a rollback').toBe(false);
  // The bug: frames decode, the track never unmutes.
  expect(glare.decoded).toBeGreaterThan(0);
  expect(glare.muted, 'Chromium leaves the receiver muted after the rollback').toBe(true);
});
