// Must compile under `tsc --strict`: how an app uses rtcroom's types.
import {
  Room, RtcroomError, load, warmedUp, ROOM_EVENTS, listDevices,
  type ErrorCode, type Participant, type RoomEvents, type RoomEventName, type TrackEvent,
  type TrackSource, type WarningCode, type JoinOptions, type SessionState,
  type RoomSnapshot, type ParticipantSnapshot, type ConnectionState, type Quality, type ParticipantState,
} from 'rtcroom';

function attach(video: HTMLVideoElement, stream: MediaStream): void { video.srcObject = stream; }

export async function app(video: HTMLVideoElement, canvas: HTMLCanvasElement): Promise<void> {
  await load();
  await load(new URL('/assets/rtcroom_bg.wasm', location.href));
  await load({ sfu: 'janus' });
  await load({ sfu: 'janus', wasmUrl: '/assets/rtcroom_sfu_bg.wasm' });
  const warm: Promise<void> = warmedUp();
  await warm;
  const options: JoinOptions = { room: 'demo', name: 'Ada', meta: { role: 'host' }, joinTimeoutMs: 5000 };
  let room: Room;
  try {
    room = await Room.join(['wss://a.example.invalid/ws', 'wss://b.example.invalid/ws'], options);
    await Room.join('wss://example.invalid/ws', options);
  } catch (e) {
    if (e instanceof RtcroomError) {
      const code: ErrorCode = e.code;
      switch (e.code) {
        case 'join-timeout': case 'signaling-failed': case 'join-refused': return;
        default: throw new Error(`${code}: ${e.message}`, { cause: e.cause });
      }
    }
    throw e;
  }

  // An SFU room (Janus VideoRoom): same Room, a VideoRoom number; adaptive stream.
  const sfu = await Room.join('ws://127.0.0.1:8188', { sfu: 'janus', room: 1234, name: 'Ada' });
  sfu.on('track', ({ track, kind }) => {
    if (kind === 'video') sfu.setVideoSize(track, { width: 320, height: 180, visible: true });
  });

  const state: SessionState = room.state;
  const id: string = room.id;
  const others: readonly ParticipantSnapshot[] = room.participants;
  const first: Participant | undefined = room.snapshot.participants.map((p) => ({ ...p, publications: [...p.publications] }))[0];
  void state; void id; void others; void first;

  // The versioned snapshot: compare by reference, re-read on state-changed.
  let seen: RoomSnapshot = room.snapshot;
  room.on('state-changed', (s) => {
    if (s !== seen && s.version > seen.version) seen = s;
    const c: ConnectionState | 'connecting' = s.connectionState;
    for (const p of s.participants) {
      const q: Quality | null = p.quality;
      const st: ParticipantState = p.state;
      for (const t of p.tracks) if (t.kind === 'audio') console.log(t.source === 'microphone', t.publication ?? '-', t.muted, q, st, c);
    }
    for (const l of s.localPublications) console.log(l.publication, l.muted);
  });
  const n: number = room.listenerCount() + room.listenerCount('state-changed');
  void n;
  await room.setCameraEnabled(true, { width: 640, height: 480 });
  try {
    room.updateMeta({ role: 'guest' });
  } catch (e) {
    // An SFU room has no participant metadata.
    if (e instanceof RtcroomError && e.code === 'unsupported') console.log(e.message);
  }

  const off = room.on('participant-joined', (p) => console.log(p.name ?? p.id, p.meta['role']));
  off();
  room.on('participant-left', ({ id, reason }) => {
    const r: 'left' | 'disconnected' | 'timeout' = reason;
    console.log(id, r);
  });
  room.on('track', (e) => {
    // kind and source are a discriminated pair: narrowing one narrows the other.
    if (e.kind === 'video') {
      const s: 'camera' | 'screen' | 'custom' = e.source;
      if (s !== 'custom') attach(video, e.stream);
    } else {
      const s: 'microphone' | 'screen-audio' | 'custom' = e.source;
      void s;
    }
    if (e.source === 'camera') {
      const k: 'video' = e.kind;
      void k;
    }
    const t: MediaStreamTrack = e.track;
    void t;
  });
  room.on('track-removed', ({ participant, track }: TrackEvent) => console.log(participant.id, track.id));
  room.on('track-muted', ({ participant, muted, publication }) => console.log(participant.id, muted, publication ?? '-'));
  room.on('track-unpublished', ({ track, reason }) => console.log(track.id, reason === 'ended'));
  await room.setCameraEnabled(!room.isCameraEnabled);
  await room.setMicrophoneEnabled(false);
  const cams = (await room.listDevices()).filter((d) => d.kind === 'videoinput');
  if (cams[0]) { const t: MediaStreamTrack = await room.switchDevice('video', cams[0].deviceId); void t; }
  room.on('devices-changed', () => void listDevices());
  for (const p of room.localPublications) if (p.source === 'camera') console.log(p.kind === 'video', p.muted, p.publication);
  room.on('quality-changed', ({ participant, quality }) => console.log(participant.id, quality === 'lost'));
  const st = room.stats(others[0]?.id ?? '');
  if (st) console.log(st.bitrateIn, st.rttMs ?? -1, st.quality, st.videoIn[0]?.width ?? 0, st.layersOut.map((l) => l.rid));
  for (const p of room.participants) for (const pub of p.publications) if (pub.kind === 'video') console.log(pub.source, pub.muted);
  const [mic] = await room.publishCamera({ audio: true });
  if (mic) await room.setMuted(mic, true);
  room.on('message', ({ from, data }) => {
    if (typeof data === 'string') console.log(from.id, data.toUpperCase());
    else console.log(from.id, data.byteLength);
  });
  room.on('connection-state', ({ state, reason }) => console.log(state, reason ?? 'none'));
  room.on('participant-state', ({ participant, state, reason }) => console.log(participant.id, state, reason));
  room.on('warning', (w) => {
    const code: WarningCode = w.code;
    if (w.code === 'peer-setup-failed' || w.code === 'rate-limited') console.warn(w.participant?.id, code, w.message);
    if (w.code === 'layer-switch-failed' || w.code === 'sfu-connection-failed') console.warn('sfu', code);
  });
  room.on('connection-state', ({ reason }) => {
    if (reason === 'sfu-session-lost' || reason === 'ice-failed') console.log('our path to Janus', reason);
    if (reason === 'kicked') console.log('a moderator removed us from the VideoRoom');
  });
  room.once('participant-updated', (p) => console.log(p.meta));

  const left = await room.waitFor('participant-left', (p) => p.reason === 'timeout', 5000);
  console.log(left.reason);

  const generic = <K extends RoomEventName>(name: K, fn: (e: RoomEvents[K]) => void) => room.on(name, fn);
  generic('message', (m) => console.log(m.data));
  for (const name of ROOM_EVENTS) room.on(name, () => {});

  const tracks: MediaStreamTrack[] = await room.publishCamera({ video: { width: 640 }, audio: true });
  await room.publishScreen();
  const [screen] = await room.publishScreen({ preset: 'motion', contentHint: 'motion', audio: true });
  const same: MediaStreamTrack = await room.setMuted(screen!, true);
  const source: TrackSource = 'custom';
  await room.publishTrack(canvas.captureStream().getVideoTracks()[0]!, { source });
  await room.unpublish(tracks[0]!);
  const failed = room.send('hello');
  for (const f of failed) { const c: ErrorCode = f.code; console.log(f.participant, c); }
  room.send(new Uint8Array([1, 2]), { to: 'abc', reliable: false });
  room.updateMeta({ role: 'guest' });
  const pc: RTCPeerConnection | undefined = room.peerConnection('abc');
  void pc;
  room.restartIce('abc');
  const local: MediaStreamTrack[] = room.localTracks;
  void local;
  await room.leave();

  const made = new RtcroomError('timeout', 'waited too long');
  const name: 'RtcroomError' = made.name;
  void name;
}
