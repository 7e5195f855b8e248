// Fixture page of the e2e tier. Everything the specs drive is on window.rt;
// window.rtcroom is the imported package itself.
import * as rtcroom from '/pkg/index.js';

const { Room, ROOM_EVENTS } = rtcroom;
window.rtcroom = rtcroom;

// Signaling frames in and out, for failure reports (SDP bodies shortened).
const wire = [];
const t0 = performance.now();
function logFrame(dir, data) {
  let text = typeof data === 'string' ? data : `<${typeof data}>`;
  text = text.replace(/"sdp":"((?:[^"\\]|\\.)*)"/, (_, sdp) => {
    const ufrag = /a=ice-ufrag:([^\\]+)/.exec(sdp)?.[1];
    const mids = (sdp.match(/a=mid:/g) || []).length;
    const cands = (sdp.match(/a=candidate:/g) || []).length;
    return `"sdp":"<${sdp.length} chars, ufrag ${ufrag}, ${mids} m-sections, ${cands} candidates>"`;
  });
  wire.push(`${Math.round(performance.now() - t0)} ${dir} ${text.slice(0, 400)}`);
}
class TracedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (e) => logFrame('<-', e.data));
    this.addEventListener('close', (e) => wire.push(`${Math.round(performance.now() - t0)} closed ${e.code}`));
  }
  send(data) { logFrame('->', data); super.send(data); }
}
globalThis.WebSocket = TracedWebSocket;

const params = new URLSearchParams(location.search);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const status = (text) => { document.getElementById('status').textContent = text; };

// --- the solid-colour canvas track -----------------------------------------
const canvas = document.getElementById('local');
const ctx2d = canvas.getContext('2d');
let color = `#${params.get('color') || 'ff2020'}`;
function paint() {
  ctx2d.fillStyle = color;
  ctx2d.fillRect(0, 0, canvas.width, canvas.height);
}
paint();
// captureStream only emits a frame when the canvas was drawn to: repaint at
// ~15 fps so frames keep flowing (and colour changes show up promptly).
setInterval(paint, 66);
let canvasStream = null;
function canvasTrack() {
  if (!canvasStream || canvasStream.getVideoTracks()[0].readyState === 'ended') {
    canvasStream = canvas.captureStream(15);
  }
  return canvasStream.getVideoTracks()[0];
}

// --- remote videos -----------------------------------------------------------
function videoOf(id) {
  let v = document.querySelector(`video[data-participant="${CSS.escape(id)}"]`);
  if (!v) {
    v = document.createElement('video');
    v.dataset.participant = id;
    v.autoplay = true;
    v.playsInline = true;
    v.muted = true;
    document.getElementById('remotes').append(v);
  }
  return v;
}

/** A JSON-safe summary of one room event. */
function summarize(type, e) {
  const out = { type, t: Math.round(performance.now()) };
  if (!e) return out;
  if (type === 'participant-joined' || type === 'participant-updated' || type === 'participant-left') {
    Object.assign(out, { participant: e.id, name: e.name });
    if (e.reason) out.reason = e.reason;
  } else if (type === 'track' || type === 'track-removed' || type === 'track-muted' || type === 'track-unmuted') {
    Object.assign(out, {
      participant: e.participant.id, kind: e.kind, source: e.source,
      trackId: e.track.id, streamId: e.stream.id, publication: e.publication ?? null, muted: e.muted,
    });
  } else if (type === 'track-published' || type === 'track-unpublished') {
    Object.assign(out, { kind: e.kind, source: e.source, trackId: e.track.id, publication: e.publication });
    if (e.reason) out.reason = e.reason;
  } else if (type === 'message') {
    Object.assign(out, { participant: e.from.id, data: e.data });
  } else if (type === 'participant-state') {
    Object.assign(out, { participant: e.participant.id, state: e.state });
    if (e.reason) out.reason = e.reason;
  } else if (type === 'quality-changed') {
    Object.assign(out, { participant: e.participant.id, quality: e.quality });
  } else if (type === 'connection-state') {
    Object.assign(out, { state: e.state });
    if (e.reason) out.reason = e.reason;
  } else if (type === 'warning') {
    Object.assign(out, { participant: e.participant?.id, code: e.code, message: e.message });
  }
  return out;
}

const rt = {
  room: null,
  id: null,
  error: null,
  events: [],
  messages: [],
  wire,
  published: [],

  /** Average RGB of the centre 4×4 pixels of `id`'s video, or null before a frame. */
  sample(id) {
    const v = document.querySelector(`video[data-participant="${CSS.escape(id)}"]`);
    if (!v || !v.videoWidth || !v.videoHeight) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    const x = Math.max(0, Math.floor(c.width / 2) - 2);
    const y = Math.max(0, Math.floor(c.height / 2) - 2);
    const d = g.getImageData(x, y, 4, 4).data;
    const n = d.length / 4;
    let r = 0, gr = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
    return {
      r: Math.round(r / n), g: Math.round(gr / n), b: Math.round(b / n),
      videoWidth: v.videoWidth, videoHeight: v.videoHeight,
      paused: v.paused, readyState: v.readyState,
    };
  },

  /** Changes the canvas fill (hex RRGGBB). */
  setColor(hex) { color = `#${hex}`; paint(); },

  async publishCanvas() {
    const track = canvasTrack();
    await rt.room.publishTrack(track, { source: 'camera' });
    rt.published.push(track);
    return track.id;
  },

  async publishCamera() {
    const tracks = await rt.room.publishCamera();
    rt.published.push(...tracks);
    return tracks.map((t) => ({ id: t.id, kind: t.kind }));
  },

  async unpublishAll() {
    for (const t of rt.room.localTracks) await rt.room.unpublish(t);
    rt.published = [];
    canvasStream = null;
  },

  send(text, to) { rt.room.send(text, to ? { to } : undefined); },

  async leave() { await rt.room.leave(); status('left'); },

  participants() { return rt.room.participants.map((p) => ({ id: p.id, name: p.name, publications: p.publications })); },

  /** Mutes or unmutes the published track with this id. */
  async setMuted(trackId, muted) {
    const t = rt.published.find((x) => x.id === trackId);
    await rt.room.setMuted(t, muted);
  },

  /** The state of the RTCPeerConnection to `id` (debugging aid). */
  pcState(id) {
    const pc = rt.room.peerConnection(id);
    return pc ? { connection: pc.connectionState, ice: pc.iceConnectionState, signaling: pc.signalingState } : null;
  },

  /** Everything worth printing when a spec fails (debugging aid). */
  async dump() {
    const peers = {};
    for (const p of rt.room?.participants ?? []) {
      const pc = rt.room.peerConnection(p.id);
      if (!pc) { peers[p.id] = null; continue; }
      const stats = [];
      try {
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'local-candidate' || r.type === 'remote-candidate') {
            stats.push(`${r.type} ${r.candidateType} ${r.address}:${r.port} ${r.protocol}`);
          } else if (r.type === 'candidate-pair') {
            stats.push(`pair ${r.state} nominated=${r.nominated}`);
          } else if (r.type === 'inbound-rtp' || r.type === 'outbound-rtp') {
            stats.push(`${r.type} ${r.kind} packets=${r.packetsReceived ?? r.packetsSent} frames=${r.framesDecoded ?? r.framesEncoded}`);
          }
        });
      } catch (e) { stats.push(`getStats failed: ${e}`); }
      const ufrag = (d) => d && /a=ice-ufrag:(\S+)/.exec(d.sdp)?.[1];
      peers[p.id] = {
        name: p.name,
        ...rt.pcState(p.id),
        iceGathering: pc.iceGatheringState,
        localUfrag: ufrag(pc.localDescription), remoteUfrag: ufrag(pc.remoteDescription),
        localType: pc.localDescription?.type, remoteType: pc.remoteDescription?.type,
        transceivers: pc.getTransceivers().map((t) => `${t.mid}:${t.direction}/${t.currentDirection}`),
        stats,
      };
    }
    return { id: rt.id, name: params.get('name'), error: rt.error, peers, events: rt.events, wire };
  },
};
window.rt = rt;

async function main() {
  const roomName = params.get('room');
  if (!roomName) { status('loaded'); rt.loaded = true; return; }
  status('joining');
  try {
    const options = { room: roomName, name: params.get('name') || undefined };
    // Join token, relay-only ICE and extra ICE servers (JSON), for the
    // token and TURN specs; `abr=0` turns the adaptive bitrate off.
    if (params.get('token')) options.token = params.get('token');
    if (params.get('relay') === '1') options.iceTransportPolicy = 'relay';
    if (params.get('ice')) options.iceServers = JSON.parse(params.get('ice'));
    if (params.get('abr') === '0') options.adaptiveBitrate = false;
    rt.room = await Room.join(wsUrl, options);
  } catch (e) {
    rt.error = { code: e.code ?? null, message: String(e.message ?? e) };
    status(`join failed: ${rt.error.code}`);
    return;
  }
  // Subscribing synchronously after the await: events held during join are
  // replayed to these listeners.
  for (const name of ROOM_EVENTS) {
    rt.room.on(name, (e) => rt.events.push(summarize(name, e)));
  }
  rt.room.on('message', ({ from, data }) => rt.messages.push({ from: from.id, data }));
  rt.room.on('track', ({ participant, stream, kind }) => {
    if (kind !== 'video') return;
    const v = videoOf(participant.id);
    if (v.srcObject !== stream) v.srcObject = stream;
    v.play().catch(() => {});
  });
  rt.room.on('participant-left', (p) => {
    document.querySelector(`video[data-participant="${CSS.escape(p.id)}"]`)?.remove();
  });
  rt.id = rt.room.id;
  document.title = `${params.get('name') || ''} ${rt.id}`;
  if (params.get('publish') !== '0') {
    try {
      await rt.publishCanvas();
    } catch (e) {
      rt.error = { code: e.code ?? null, message: `publish: ${e.message ?? e}` };
    }
  }
  rt.joined = true;
  status(`joined as ${rt.id}`);
}

main();
