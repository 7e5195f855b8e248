// The rtcroom/react hooks under test (tests/package/specs/hooks.spec.mjs),
// from the npm tarball, inside <StrictMode>. ?room=R&ws=URL&auto=1:
// useLocalMedia({ camera, microphone }) turns both on once joined.
// Renders, with data-* attributes the spec reads:
// - #session (useRoom) and #connection (useConnectionState);
// - buttons Camera / Microphone / Screen (useLocalMedia, mounted once
//   joined: aria-pressed = enabled, data-pending, data-muted, data-error);
// - #tiles: one memoised <figure data-participant> per participant (useParticipants);
// - #videos: a <VideoView> per camera or screen track (useTracks), ours and
//   received, reporting onSizeChange into window.app.sizes[trackId];
// - #audio: an <AudioView> per received audio track (useTracks, kind audio).
// Commits per component are counted (<Profiler>) in window.app.renders.
// window.app.set({ provider, audio, videos, videoWidth }) changes what is mounted.
import { Profiler, StrictMode, memo, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import {
  AudioView, RoomProvider, VideoView, useConnectionState, useLocalMedia, useParticipants, useRoom, useTracks,
} from 'rtcroom/react';

const params = new URLSearchParams(location.search);
const wsUrl = params.get('ws') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const auto = params.get('auto') === '1';

// What is mounted, changed by the spec through window.app.set.
let view = { provider: true, audio: true, videos: true, videoWidth: 160 };
const viewListeners = new Set();
const subscribeView = (fn) => { viewListeners.add(fn); return () => viewListeners.delete(fn); };
const useView = () => useSyncExternalStore(subscribeView, () => view);

window.app = {
  renders: {},
  sizes: {},
  set(changes) { view = { ...view, ...changes }; for (const fn of viewListeners) fn(); },
};

const counted = (id) => (_id, phase) => {
  if (phase === 'mount') return;
  window.app.renders[id] = (window.app.renders[id] ?? 0) + 1;
};

function Session() {
  const { status, error, room } = useRoom();
  return <p id="session" data-status={status} data-error={error?.code ?? ''} data-id={room?.id ?? ''}>{status}</p>;
}

function Connection() {
  return <p id="connection">{useConnectionState()}</p>;
}

function Button({ name, control }) {
  return (
    <button type="button" aria-pressed={control.enabled} data-pending={control.pending} data-muted={control.muted}
      data-published={control.published} data-error={control.error?.code ?? ''} onClick={() => control.toggle()}>{name}</button>
  );
}

function Controls() {
  const media = useLocalMedia({ camera: auto, microphone: auto, cameraConstraints: { width: 320, height: 240 } });
  return (
    <div id="controls">
      <Button name="Camera" control={media.camera} />
      <Button name="Microphone" control={media.microphone} />
      <Button name="Screen" control={media.screen} />
    </div>
  );
}

const Tile = memo(function Tile({ participant }) {
  return (
    <Profiler id={`tile:${participant.id}`} onRender={counted(`tile:${participant.id}`)}>
      <figure data-participant={participant.id} data-state={participant.state}
        data-muted={participant.publications.filter((p) => p.muted).map((p) => p.source).join(',')}>
        {participant.name ?? participant.id}
      </figure>
    </Profiler>
  );
});

function Tiles() {
  const participants = useParticipants();
  return <section id="tiles">{participants.map((p) => <Tile key={p.id} participant={p} />)}</section>;
}

function Videos() {
  const { videoWidth } = useView();
  const tracks = useTracks({ source: ['camera', 'screen'] });
  return (
    <section id="videos">
      {tracks.map((t) => (
        <VideoView key={t.track.id} track={t.track} width={videoWidth} height={(videoWidth * 3) / 4}
          data-participant={t.participant?.id ?? 'local'} data-source={t.source} data-muted={t.muted} data-track={t.track.id}
          onSizeChange={(size) => { window.app.sizes[t.track.id] = size; }} />
      ))}
    </section>
  );
}

function Audio() {
  const tracks = useTracks({ kind: 'audio', local: false });
  return (
    <section id="audio">
      {tracks.map((t) => <AudioView key={t.track.id} track={t.track} data-participant={t.participant.id} />)}
    </section>
  );
}

function Call() {
  const { audio, videos } = useView();
  // Mounted once joined: StrictMode then runs useLocalMedia's effect twice
  // with the room there (the double mount a publish must survive).
  const { room } = useRoom();
  return (
    <main>
      <Session />
      <Profiler id="connection" onRender={counted('connection')}><Connection /></Profiler>
      {room && <Profiler id="controls" onRender={counted('controls')}><Controls /></Profiler>}
      <Profiler id="tiles" onRender={counted('tiles')}><Tiles /></Profiler>
      {videos && <Videos />}
      {audio && <Audio />}
    </main>
  );
}

function App() {
  const { provider } = useView();
  if (!provider) return <p id="session" data-status="unmounted">unmounted</p>;
  return (
    <RoomProvider url={wsUrl} options={{ room: params.get('room') ?? 'demo', name: params.get('name') ?? 'hooks' }}>
      <Call />
    </RoomProvider>
  );
}

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
