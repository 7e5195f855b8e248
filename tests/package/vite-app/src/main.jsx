// A Vite + React app that uses the rtcroom tarball the way an app would,
// through `rtcroom/react` (and `RtcroomError` from `rtcroom`), inside
// <StrictMode>, with no rtcroom-specific bundler config.
// ?room=R&color=RRGGBB[&ws=URL] joins R and publishes a canvas of that
// colour as its camera; every remote participant's video is a
// <video data-participant=ID>. window.app reports { joined, id, error,
// status, connection } to the packaging test; window.app.leave() unmounts
// the RoomProvider.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { load, RtcroomError } from 'rtcroom';
import { RoomProvider, useConnectionState, useParticipants, useRoom, VideoView } from 'rtcroom/react';

const params = new URLSearchParams(location.search);
// &ws=URL: the signaling server when the page is not served by it (vite dev).
const wsUrl = params.get('ws') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const report = (fields) => { window.app = { ...window.app, ...fields }; };
window.app = { joined: false, id: null, error: null, status: 'joining', connection: 'connecting' };
// For the packaging test: the SFU build (a chunk and a wasm asset of this build) loads.
window.loadSfu = () => load({ sfu: 'janus' }).then(() => 'loaded', (e) => e.code);

function colourTrack(canvas, colour) {
  const ctx = canvas.getContext('2d');
  const paint = () => { ctx.fillStyle = colour; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  paint();
  // captureStream emits a frame only when the canvas is drawn to.
  const timer = setInterval(paint, 66);
  const track = canvas.captureStream(15).getVideoTracks()[0];
  return { track, stop: () => { clearInterval(timer); track.stop(); } };
}

function Call({ colour }) {
  const canvas = useRef(null);
  const { room, status, error } = useRoom();
  const participants = useParticipants();
  const connection = useConnectionState();

  useEffect(() => { report({ status, connection }); }, [status, connection]);
  useEffect(() => {
    if (error) report({ error: { code: error instanceof RtcroomError ? error.code : 'not-an-RtcroomError', message: error.message } });
  }, [error]);

  useEffect(() => {
    if (!room) return undefined;
    const local = colourTrack(canvas.current, colour);
    room.publishTrack(local.track, { source: 'camera' }).then(
      () => report({ joined: true, id: room.id }),
      (e) => report({ error: { code: e instanceof RtcroomError ? e.code : 'not-an-RtcroomError', message: String(e.message) } }),
    );
    return () => {
      if (room.state === 'joined') room.unpublish(local.track).catch(() => {});
      local.stop();
    };
  }, [room, colour]);

  return (
    <main>
      <p id="status">{status} / {connection}{room ? ` as ${room.id}` : ''}</p>
      <canvas ref={canvas} width={320} height={240} />
      <section>
        {participants.flatMap((p) => p.tracks.filter((t) => t.kind === 'video').map((t) => (
          <VideoView key={t.track.id} stream={t.stream} data-participant={p.id} width={160} height={120} />
        )))}
      </section>
    </main>
  );
}

function App() {
  const [inCall, setInCall] = useState(true);
  useEffect(() => { window.app.leave = () => setInCall(false); }, []);
  if (!inCall) return <p id="status">left</p>;
  return (
    <RoomProvider url={wsUrl} options={{ room: params.get('room') ?? 'demo', name: 'vite-react' }}>
      <Call colour={`#${params.get('color') ?? 'ff2020'}`} />
    </RoomProvider>
  );
}

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
