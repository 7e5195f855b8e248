// Shared by recovery-baseline.html and recovery-rtcroom.html (a classic
// script loaded first): solid-colour canvas tracks, one <video> per remote
// track, an event log and a getStats() probe. Everything is on window.rf.
// Timestamps are wall-clock ms (performance.timeOrigin + performance.now()),
// comparable with Date.now() in the Node process driving the page.
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const PROBE_MS = 50;

  const rf = {
    now,
    ready: false,
    joined: false,
    error: null,
    id: null,
    events: [], // { t, type, ... }
    tracks: {}, // trackId -> { participant, source, framesDecoded, bytesReceived, frameTimes[], firstFrameAt, lastFrameAt, lastBytesAt }
    pcs: new Map(), // participant id -> RTCPeerConnection currently watched
    pcProvider: () => [...rf.pcs.entries()],
  };
  window.rf = rf;

  rf.event = (e) => { rf.events.push({ t: now(), ...e }); };

  // ------------------------------------------------------- canvas tracks
  const canvases = [];
  /** A video track of a canvas filled with `hex` (RRGGBB), repainted every 66 ms so frames keep flowing. */
  rf.canvasTrack = (hex) => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 240;
    const g = c.getContext('2d');
    const entry = { c, g, color: `#${hex}` };
    canvases.push(entry);
    const paint = () => { g.fillStyle = entry.color; g.fillRect(0, 0, c.width, c.height); };
    paint();
    setInterval(paint, 66);
    document.getElementById('locals').append(c);
    const track = c.captureStream(15).getVideoTracks()[0];
    entry.track = track;
    return track;
  };

  // --------------------------------------------------------- remote video
  rf.addRemoteTrack = (participant, track, source = 'camera') => {
    if (track.kind !== 'video') return;
    rf.event({ type: 'remote-track', participant, trackId: track.id, source });
    let v = document.querySelector(`video[data-track="${CSS.escape(track.id)}"]`);
    if (!v) {
      v = document.createElement('video');
      v.dataset.track = track.id;
      v.dataset.participant = participant;
      v.dataset.source = source;
      v.autoplay = true;
      v.muted = true;
      v.playsInline = true;
      document.getElementById('remotes').append(v);
    }
    v.srcObject = new MediaStream([track]);
    v.play().catch(() => {});
    const t = rf.tracks[track.id] ||= { participant, source, framesDecoded: 0, bytesReceived: 0, frameTimes: [], firstFrameAt: null, lastFrameAt: null, lastBytesAt: null };
    t.participant = participant;
    t.source = source;
  };
  rf.removeParticipantVideos = (participant) => {
    for (const v of document.querySelectorAll(`video[data-participant="${CSS.escape(participant)}"]`)) v.remove();
  };

  /** Average RGB of the centre 4×4 pixels of a remote video (by track id, or the first of `participant`). */
  rf.sample = ({ trackId, participant } = {}) => {
    const v = trackId
      ? document.querySelector(`video[data-track="${CSS.escape(trackId)}"]`)
      : document.querySelector(participant ? `video[data-participant="${CSS.escape(participant)}"]` : 'video[data-track]');
    if (!v || !v.videoWidth || !v.videoHeight) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    const x = Math.max(0, Math.floor(c.width / 2) - 2);
    const y = Math.max(0, Math.floor(c.height / 2) - 2);
    const d = g.getImageData(x, y, 4, 4).data;
    let r = 0, gr = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
    const n = d.length / 4;
    return { r: Math.round(r / n), g: Math.round(gr / n), b: Math.round(b / n), videoWidth: v.videoWidth, track: v.dataset.track };
  };

  // ------------------------------------------------------- state + probe
  const watched = new WeakSet();
  rf.watchPc = (participant, pc) => {
    rf.pcs.set(participant, pc);
    if (watched.has(pc)) return;
    watched.add(pc);
    rf.event({ type: 'pc-watched', participant });
    pc.addEventListener('iceconnectionstatechange', () => rf.event({ type: 'ice', participant, state: pc.iceConnectionState }));
    pc.addEventListener('connectionstatechange', () => rf.event({ type: 'pc', participant, state: pc.connectionState }));
  };

  let probing = false;
  async function probe() {
    if (probing) return;
    probing = true;
    try {
      const t = now();
      for (const [participant, pc] of rf.pcProvider()) {
        if (!pc) continue;
        rf.watchPc(participant, pc);
        if (pc.connectionState === 'closed') continue;
        let stats;
        try { stats = await pc.getStats(); } catch { continue; }
        stats.forEach((r) => {
          if (r.type !== 'inbound-rtp' || r.kind !== 'video' || !r.trackIdentifier) return;
          const e = rf.tracks[r.trackIdentifier] ||= { participant, source: null, framesDecoded: 0, bytesReceived: 0, frameTimes: [], firstFrameAt: null, lastFrameAt: null, lastBytesAt: null };
          if ((r.framesDecoded ?? 0) > e.framesDecoded) {
            e.frameTimes.push(t);
            e.firstFrameAt ??= t;
            e.lastFrameAt = t;
          }
          if ((r.bytesReceived ?? 0) > e.bytesReceived) e.lastBytesAt = t;
          e.framesDecoded = Math.max(e.framesDecoded, r.framesDecoded ?? 0);
          e.bytesReceived = Math.max(e.bytesReceived, r.bytesReceived ?? 0);
        });
      }
    } finally {
      probing = false;
    }
  }
  setInterval(probe, PROBE_MS);

  /** Everything the driver reads, JSON-safe. */
  rf.snapshot = () => ({
    id: rf.id, joined: rf.joined, error: rf.error, now: now(),
    events: rf.events, tracks: rf.tracks,
    pcs: Object.fromEntries([...rf.pcs.entries()].map(([id, pc]) => [id, {
      connection: pc.connectionState, ice: pc.iceConnectionState, signaling: pc.signalingState,
    }])),
  });

  /** Selected candidate pair and every candidate pair's state (debugging, ICE experiments). */
  rf.pairs = async (participant) => {
    const pc = rf.pcs.get(participant);
    if (!pc) return null;
    const out = [];
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'candidate-pair') {
        out.push({ id: r.id, state: r.state, nominated: r.nominated, requestsSent: r.requestsSent, responsesReceived: r.responsesReceived, lastRequest: r.lastPacketSentTimestamp });
      }
    });
    return out;
  };
})();
