// rtcroom React example: join form, responsive video grid, camera /
// microphone / screen buttons (useLocalMedia), every received microphone
// played by an <AudioView>, and a live stats panel (inbound bitrate and RTT
// over time from useStats).
import { memo, useEffect, useState } from 'react';
import { load } from 'rtcroom';
import {
  AudioView, RoomProvider, VideoView, useConnectionState, useLocalMedia, useParticipants, useRoom, useStats, useTracks,
} from 'rtcroom/react';

const params = new URLSearchParams(location.search);
// ?janus=ws://host:8188: an SFU room (a Janus VideoRoom; the room field is
// its number). Otherwise the rtcroom server that serves this page.
const janus = params.get('janus');
const wsUrl = janus || params.get('ws') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const joinOptions = ({ room, name }) => (janus ? { sfu: 'janus', room: Number(room) || 1234, name } : { room, name });
// An SFU room: load the SFU build of the wasm at once, so the page downloads
// only that one (it runs mesh rooms too).
if (janus) load({ sfu: 'janus' }).catch(() => {});

export default function App() {
  const [joined, setJoined] = useState(() => (params.get('autojoin') && params.get('room')
    ? joinOptions({ room: params.get('room'), name: params.get('name') || undefined }) : null));
  if (!joined) return <JoinForm onJoin={(form) => setJoined(joinOptions(form))} />;
  return (
    <RoomProvider url={wsUrl} options={joined}>
      <Call roomName={joined.room} onLeave={() => setJoined(null)} />
    </RoomProvider>
  );
}

function JoinForm({ onJoin }) {
  const [room, setRoom] = useState(params.get('room') || (janus ? '1234' : 'demo'));
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

/** A toggle button of one useLocalMedia device. */
function Toggle({ control, children }) {
  return (
    <button aria-pressed={control.enabled} disabled={control.pending} title={control.error ? `${control.error.code}: ${control.error.message}` : undefined}
      onClick={() => control.toggle()}>
      {children}{control.error ? ' ⚠' : ''}
    </button>
  );
}

function Call({ roomName, onLeave }) {
  const { room, status, error } = useRoom();
  const connection = useConnectionState();
  // Camera and microphone are turned on once joined (once, also under StrictMode).
  const { camera, microphone, screen } = useLocalMedia({ camera: true, microphone: true });
  const leave = async () => { await room?.leave(); onLeave(); };
  return (
    <>
      <header>
        <h1>rtcroom · React</h1>
        <div className="controls">
          <Toggle control={camera}>Camera</Toggle>
          <Toggle control={microphone}>{microphone.enabled ? 'Mute' : 'Unmute'}</Toggle>
          <Toggle control={screen}>Screen</Toggle>
          <button onClick={leave}>Leave</button>
        </div>
        <span className="status" data-testid="status">
          {status === 'failed' ? `join failed: ${error?.code}` : `${roomName} · ${status} · ${connection}${room ? ` · you are ${room.id}` : ''}`}
        </span>
      </header>
      <main>
        <Grid />
        <RemoteAudio />
        <StatsPanel />
      </main>
    </>
  );
}

/** Every camera and screen, ours first, in a responsive grid. */
function Grid() {
  const tracks = useTracks({ source: ['camera', 'screen'] });
  return (
    <section className="grid">
      {tracks.map((t) => (
        <figure key={t.track.id} className={t.local ? 'local' : undefined} data-participant={t.local ? undefined : t.participant.id}
          data-state={t.local ? undefined : t.participant.state} data-muted={t.muted}>
          <VideoView track={t.track} />
          <figcaption>
            {t.local ? 'you' : (t.participant.name ?? t.participant.id)} · {t.source}
            {t.muted ? ' · off' : ''}{t.local ? '' : ` · ${t.participant.state}`}
          </figcaption>
        </figure>
      ))}
    </section>
  );
}

/** Plays every microphone and screen audio we receive (each in its own <audio>). */
function RemoteAudio() {
  const tracks = useTracks({ kind: 'audio', local: false });
  return <div hidden>{tracks.map((t) => <AudioView key={t.track.id} track={t.track} />)}</div>;
}

function StatsPanel() {
  const participants = useParticipants();
  return (
    <aside>
      <h2>Stats</h2>
      {participants.length === 0 && <p>Nobody else here yet.</p>}
      {participants.map((p) => <ParticipantStats key={p.id} participant={p} />)}
    </aside>
  );
}

const HISTORY = 60; // samples, one per second

/** Inbound bitrate and round-trip time to one participant, one sample a second (useStats). */
function useStatsHistory(id) {
  const stats = useStats(id, 1000);
  const [history, setHistory] = useState([]);
  useEffect(() => {
    if (stats) setHistory((h) => (h.at(-1)?.at === stats.at ? h : [...h.slice(-(HISTORY - 1)), { at: stats.at, kbps: stats.bitrateIn / 1000, rtt: stats.rttMs }]));
  }, [stats]);
  return history;
}

const ParticipantStats = memo(function ParticipantStats({ participant }) {
  const history = useStatsHistory(participant.id);
  const last = history[history.length - 1];
  return (
    <div className="stat" data-stats={participant.id}>
      <div>{participant.name ?? participant.id} · {participant.state}{participant.quality ? ` · ${participant.quality}` : ''}</div>
      <div>in: <b data-testid="kbps">{last ? Math.round(last.kbps) : '–'}</b> kbit/s</div>
      <Sparkline values={history.map((s) => s.kbps)} colour="#4c8" />
      <div>RTT: <b data-testid="rtt">{last?.rtt != null ? last.rtt.toFixed(1) : '–'}</b> ms</div>
      <Sparkline values={history.map((s) => s.rtt ?? 0)} colour="#c84" />
    </div>
  );
});

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
