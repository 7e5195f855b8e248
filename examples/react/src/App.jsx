// rtcroom React example: join form, responsive video grid, camera /
// microphone / screen buttons, and a live stats panel (bitrate and RTT over
// time, from each participant's RTCPeerConnection getStats() deltas).
import { useEffect, useState } from 'react';
import {
  RoomProvider, useRoom, useParticipants, useConnectionState, VideoView,
} from 'rtcroom/react';

const params = new URLSearchParams(location.search);
const wsUrl = params.get('ws') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

export default function App() {
  const [joined, setJoined] = useState(() => (params.get('autojoin') && params.get('room')
    ? { room: params.get('room'), name: params.get('name') || undefined } : null));
  if (!joined) return <JoinForm onJoin={setJoined} />;
  return (
    <RoomProvider url={wsUrl} options={joined}>
      <Call roomName={joined.room} onLeave={() => setJoined(null)} />
    </RoomProvider>
  );
}

function JoinForm({ onJoin }) {
  const [room, setRoom] = useState(params.get('room') || 'demo');
  const [name, setName] = useState(params.get('name') || '');
  return (
    <header>
      <h1>rtcroom · React</h1>
      <form onSubmit={(e) => { e.preventDefault(); if (room) onJoin({ room, name: name || undefined }); }}>
        <input aria-label="room" value={room} onChange={(e) => setRoom(e.target.value)} placeholder="room" required />
        <input aria-label="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="your name" />
        <button type="submit">Join</button>
      </form>
    </header>
  );
}

/** Our published tracks by source, and toggles for them. */
function useLocalTracks(room) {
  const [tracks, setTracks] = useState({});
  const [busy, setBusy] = useState(false);
  const run = async (f) => {
    setBusy(true);
    try { await f(); } catch (e) { console.warn('rtcroom:', e.code, e.message); } finally { setBusy(false); }
  };
  const set = (source, track) => setTracks((t) => ({ ...t, [source]: track }));
  // Muting is unpublish / publish again until the SDK's media work adds
  // setMuted / setCameraEnabled (issue 7): publishing again reuses the
  // transceiver, so no m-section is added.
  const toggle = (source, publish) => run(async () => {
    if (tracks[source]) {
      await room.unpublish(tracks[source]);
      set(source, null);
      return;
    }
    for (const t of await publish()) set(t.kind === 'audio' ? (source === 'screen' ? 'screen-audio' : 'microphone') : source, t);
  });
  return {
    tracks, busy,
    camera: () => toggle('camera', () => room.publishCamera({ video: true, audio: false })),
    microphone: () => toggle('microphone', () => room.publishCamera({ video: false, audio: true })),
    screen: () => toggle('screen', () => room.publishScreen()),
    publishAll: () => run(async () => { for (const t of await room.publishCamera()) set(t.kind === 'audio' ? 'microphone' : 'camera', t); }),
  };
}

function Call({ roomName, onLeave }) {
  const { room, status, error } = useRoom();
  const connection = useConnectionState();
  const participants = useParticipants();
  const local = useLocalTracks(room);
  const { publishAll } = local;

  // Camera and microphone once joined (an event-like effect: it runs once
  // per joined room, also under StrictMode, since `room` changes only once).
  useEffect(() => { if (room) publishAll(); }, [room]); // eslint-disable-line react-hooks/exhaustive-deps

  const leave = async () => { await room?.leave(); onLeave(); };
  const cameraStream = local.tracks.camera ? new MediaStream([local.tracks.camera]) : null;
  return (
    <>
      <header>
        <h1>rtcroom · React</h1>
        <div className="controls">
          <button aria-pressed={!!local.tracks.camera} disabled={!room || local.busy} onClick={local.camera}>Camera</button>
          <button aria-pressed={!!local.tracks.microphone} disabled={!room || local.busy} onClick={local.microphone}>
            {local.tracks.microphone ? 'Mute' : 'Unmute'}
          </button>
          <button aria-pressed={!!local.tracks.screen} disabled={!room || local.busy} onClick={local.screen}>Screen</button>
          <button onClick={leave}>Leave</button>
        </div>
        <span className="status" data-testid="status">
          {status === 'failed' ? `join failed: ${error?.code}` : `${roomName} · ${status} · ${connection}${room ? ` · you are ${room.id}` : ''}`}
        </span>
      </header>
      <main>
        <section className="grid">
          <figure className="local">
            <VideoView stream={cameraStream} />
            <figcaption>you</figcaption>
          </figure>
          {participants.flatMap((p) => p.tracks.filter((t) => t.kind === 'video').map((t) => (
            <figure key={t.track.id} data-participant={p.id} data-state={p.state}>
              <VideoView stream={t.stream} muted={false} />
              <figcaption>{p.name ?? p.id} · {t.source} · {p.state}</figcaption>
            </figure>
          )))}
        </section>
        <aside>
          <h2>Stats</h2>
          {participants.length === 0 && <p>Nobody else here yet.</p>}
          {participants.map((p) => <ParticipantStats key={p.id} room={room} participant={p} />)}
        </aside>
      </main>
    </>
  );
}

const HISTORY = 60; // samples, one per second

/**
 * Inbound bitrate and round-trip time to one participant over time, from
 * getStats() deltas of its RTCPeerConnection, once a second.
 */
function useStatsHistory(room, id) {
  const [history, setHistory] = useState([]);
  useEffect(() => {
    if (!room) return undefined;
    let previous = null;
    let stopped = false;
    const tick = async () => {
      const pc = room.peerConnection(id);
      if (!pc || stopped) return;
      let bytes = 0;
      let rtt = null;
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type === 'inbound-rtp') bytes += s.bytesReceived ?? 0;
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && s.currentRoundTripTime !== undefined) rtt = s.currentRoundTripTime * 1000;
      });
      const now = performance.now();
      if (previous && !stopped) {
        const kbps = Math.max(0, ((bytes - previous.bytes) * 8) / (now - previous.at));
        setHistory((h) => [...h.slice(-(HISTORY - 1)), { kbps, rtt }]);
      }
      previous = { bytes, at: now };
    };
    const timer = setInterval(() => { tick().catch(() => {}); }, 1000);
    return () => { stopped = true; clearInterval(timer); };
  }, [room, id]);
  return history;
}

function ParticipantStats({ room, participant }) {
  const history = useStatsHistory(room, participant.id);
  const last = history[history.length - 1];
  return (
    <div className="stat" data-stats={participant.id}>
      <div>{participant.name ?? participant.id} · {participant.state}</div>
      <div>in: <b data-testid="kbps">{last ? Math.round(last.kbps) : '–'}</b> kbit/s</div>
      <Sparkline values={history.map((s) => s.kbps)} colour="#4c8" />
      <div>RTT: <b data-testid="rtt">{last?.rtt != null ? last.rtt.toFixed(1) : '–'}</b> ms</div>
      <Sparkline values={history.map((s) => s.rtt ?? 0)} colour="#c84" />
    </div>
  );
}

/** A small SVG line of the last HISTORY values, scaled to their maximum. */
function Sparkline({ values, colour }) {
  const w = 120;
  const h = 36;
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${((i + HISTORY - values.length) / (HISTORY - 1)) * w},${h - 2 - (v / max) * (h - 4)}`).join(' ');
  return (
    <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={`max ${Math.round(max)}`}>
      {values.length > 1 && <polyline points={points} fill="none" stroke={colour} strokeWidth="1.5" vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}
