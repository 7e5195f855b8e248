// The SFU test page: joins a Janus VideoRoom through rtcroom's Room API
// (?janus=ws://…&room=N&name=…), publishes its camera (?publish=0: not;
// ?width/height: the capture size), plays every participant's camera in
// its own <video data-participant> (a screen share in one with
// data-source="screen"), and exposes `window.rt` to the specs.
// ?screen=RRGGBB: getDisplayMedia yields a 1280x720 canvas of that colour
// (so the specs can tell the screen from the camera by pixels).
import { Room, ROOM_EVENTS } from '/pkg/index.js';

const params = new URLSearchParams(location.search);
const rt = (window.rt = { events: [], messages: [], joined: false, error: null, video: {}, screen: {}, room: null });
const status = (s) => { document.getElementById('status').textContent = s; };

if (params.get('screen')) {
  const fill = `#${params.get('screen')}`;
  navigator.mediaDevices.getDisplayMedia = async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 1280, height: 720 });
    const g = canvas.getContext('2d');
    const paint = () => { g.fillStyle = fill; g.fillRect(0, 0, canvas.width, canvas.height); };
    paint();
    const track = canvas.captureStream(15).getVideoTracks()[0];
    const timer = setInterval(() => { if (track.readyState === 'ended') clearInterval(timer); else paint(); }, 1000 / 15);
    return new MediaStream([track]);
  };
}

function videoOf(id, source = 'camera') {
  const screen = source === 'screen';
  let v = document.querySelector(`video[data-participant="${CSS.escape(id)}"]${screen ? '[data-source="screen"]' : ':not([data-source])'}`);
  if (!v) {
    v = document.createElement('video');
    v.dataset.participant = id;
    if (screen) v.dataset.source = 'screen';
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    document.getElementById('tiles').append(v);
  }
  return v;
}

/** Renders `id`'s tile at `width` x `height` CSS pixels (hidden: display none) and tells the room. */
rt.setTile = (id, width, height, visible = true) => {
  const v = videoOf(id);
  v.style.width = `${width}px`;
  v.style.height = `${height}px`;
  v.style.display = visible ? '' : 'none';
  const track = rt.video[id];
  if (!track) throw new Error(`no video track from ${id}`);
  const dpr = window.devicePixelRatio || 1;
  rt.room.setVideoSize(track, { width: width * dpr, height: height * dpr, visible });
};

/** Inbound video of `id`: the receiver's stats (frame size, frames decoded). */
rt.inbound = async (id) => {
  const track = rt.video[id];
  const pc = rt.room.peerConnection(id);
  const receiver = pc?.getReceivers().find((r) => r.track === track);
  if (!receiver) return null;
  let out = null;
  (await receiver.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out = { width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, framesDecoded: s.framesDecoded ?? 0, bytes: s.bytesReceived ?? 0 };
    }
  });
  return out;
};

/** The centre pixel of `id`'s `source` tile as RRGGBB, and its decoded frames (null: no such tile). */
rt.probe = async (id, source = 'camera') => {
  const track = (source === 'screen' ? rt.screen : rt.video)[id];
  const v = document.querySelector(`video[data-participant="${CSS.escape(id)}"]${source === 'screen' ? '[data-source="screen"]' : ':not([data-source])'}`);
  const receiver = rt.room.peerConnection(id)?.getReceivers().find((r) => r.track === track);
  if (!track || !v || !receiver || !v.videoWidth) return null;
  const canvas = Object.assign(document.createElement('canvas'), { width: v.videoWidth, height: v.videoHeight });
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.drawImage(v, 0, 0);
  const [r, gr, b] = g.getImageData(v.videoWidth >> 1, v.videoHeight >> 1, 1, 1).data;
  let framesDecoded = 0;
  (await receiver.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') framesDecoded = s.framesDecoded ?? 0; });
  return { rgb: [r, gr, b], width: v.videoWidth, height: v.videoHeight, framesDecoded, live: track.readyState === 'live', streamId: v.srcObject?.id ?? null };
};

/** Outbound video of one of our publishing connections (default: the camera's), per rid. */
rt.outbound = async (peer = 'sfu-publisher') => {
  const pc = rt.room.peerConnection(peer);
  const layers = {};
  if (!pc) return layers;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      layers[s.rid ?? '-'] = { width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, bytes: s.bytesSent ?? 0, frames: s.framesEncoded ?? 0 };
    }
  });
  return layers;
};

async function main() {
  const name = params.get('name') || 'p';
  try {
    rt.room = await Room.join(params.get('janus'), { sfu: 'janus', room: Number(params.get('room')), name });
  } catch (e) {
    rt.error = { code: e.code ?? null, message: String(e.message ?? e) };
    status(`join failed: ${rt.error.code}`);
    return;
  }
  for (const ev of ROOM_EVENTS) {
    rt.room.on(ev, (e) => rt.events.push({ type: ev, participant: e?.participant?.id ?? e?.id ?? null, kind: e?.kind ?? null, source: e?.source ?? null, reason: e?.reason ?? null, state: e?.state ?? null, code: e?.code ?? null, message: e?.message ?? null }));
  }
  rt.room.on('message', ({ from, data }) => rt.messages.push({ from: from.id, data }));
  rt.room.on('track', ({ participant, stream, kind, track, source }) => {
    if (kind !== 'video') return;
    (source === 'screen' ? rt.screen : rt.video)[participant.id] = track;
    const v = videoOf(participant.id, source === 'screen' ? 'screen' : 'camera');
    if (v.srcObject !== stream) v.srcObject = stream;
    v.play().catch(() => {});
  });
  rt.room.on('participant-left', (p) => {
    document.querySelectorAll(`video[data-participant="${CSS.escape(p.id)}"]`).forEach((v) => v.remove());
    delete rt.video[p.id];
    delete rt.screen[p.id];
  });
  rt.id = rt.room.id;
  if (params.get('publish') !== '0') {
    const width = Number(params.get('width') || 640);
    const height = Number(params.get('height') || 360);
    const frameRate = Number(params.get('fps') || 15);
    try {
      await rt.room.publishCamera({ video: { width: { exact: width }, height: { exact: height }, frameRate }, audio: params.get('audio') === '1' });
    } catch (e) {
      rt.error = { code: e.code ?? null, message: `publish: ${e.message ?? e}` };
    }
  }
  rt.joined = true;
  status(`joined as ${rt.id}`);
}

main();
