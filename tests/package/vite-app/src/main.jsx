// A Vite + React app that uses the rtcroom tarball the way an app would:
// `import { Room } from 'rtcroom'`, no rtcroom-specific bundler config.
// ?room=R&color=RRGGBB[&ws=URL] joins R and publishes a canvas of that colour as its
// camera; every remote participant's video is a <video data-participant=ID>.
// window.app reports { joined, id, error } to the packaging test.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Room, RtcroomError } from 'rtcroom';

const params = new URLSearchParams(location.search);
// &ws=URL: the signaling server when the page is not served by it (vite dev).
const wsUrl = params.get('ws') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
window.app = { joined: false, id: null, error: null };

function colourTrack(canvas, colour) {
  const ctx = canvas.getContext('2d');
  const paint = () => { ctx.fillStyle = colour; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  paint();
  // captureStream emits a frame only when the canvas is drawn to.
  const timer = setInterval(paint, 66);
  const track = canvas.captureStream(15).getVideoTracks()[0];
  return { track, stop: () => { clearInterval(timer); track.stop(); } };
}

function Remote({ participant, stream }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current.srcObject = stream;
    return () => { if (ref.current) ref.current.srcObject = null; };
  }, [stream]);
  return <video ref={ref} data-participant={participant.id} autoPlay playsInline muted width={160} height={120} />;
}

function Call({ roomName, colour }) {
  const canvas = useRef(null);
  const [streams, setStreams] = useState({});
  const [status, setStatus] = useState('joining');

  useEffect(() => {
    let room = null;
    let cancelled = false;
    const local = colourTrack(canvas.current, colour);
    Room.join(wsUrl, { room: roomName, name: 'vite-react' }).then(async (r) => {
      if (cancelled) { await r.leave(); return; }
      room = r;
      r.on('track', ({ participant, stream, kind }) => {
        if (kind === 'video') setStreams((s) => ({ ...s, [participant.id]: { participant, stream } }));
      });
      r.on('participant-left', ({ id }) => setStreams(({ [id]: _, ...rest }) => rest));
      await r.publishTrack(local.track, { source: 'camera' });
      window.app = { joined: true, id: r.id, error: null };
      setStatus(`joined as ${r.id}`);
    }).catch((e) => {
      const code = e instanceof RtcroomError ? e.code : 'not-an-RtcroomError';
      window.app = { joined: false, id: null, error: { code, message: String(e.message) } };
      setStatus(`error ${code}`);
    });
    return () => { cancelled = true; room?.leave(); local.stop(); };
  }, [roomName, colour]);

  return (
    <main>
      <p id="status">{status}</p>
      <canvas ref={canvas} width={320} height={240} />
      <section>
        {Object.values(streams).map(({ participant, stream }) => (
          <Remote key={participant.id} participant={participant} stream={stream} />
        ))}
      </section>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <Call roomName={params.get('room') ?? 'demo'} colour={`#${params.get('color') ?? 'ff2020'}`} />
  </StrictMode>,
);
