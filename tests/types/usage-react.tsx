// Must compile under `tsc --strict`: an app using rtcroom/react.
import { memo, useEffect, type ReactElement } from 'react';
import { RtcroomError, type Room, type RoomSnapshot as CoreSnapshot } from 'rtcroom';
import {
  RoomProvider, useRoom, useParticipants, useConnectionState, useRoomSnapshot, useRoomStore, useStats, VideoView,
  AudioView, useTracks, useLocalMedia,
  type ParticipantView, type ParticipantSnapshot, type RoomSnapshot, type RoomStatus, type RoomSession, type TrackRef,
  type LocalMediaControl, type RenderedSize,
} from 'rtcroom/react';

const Tile = memo(function Tile({ participant }: { participant: ParticipantSnapshot }): ReactElement {
  return <figure data-state={participant.state}>{participant.name ?? participant.id}</figure>;
});

function Tiles(): ReactElement {
  const session: RoomSession = useRoom();
  const { room, status, error } = session;
  const participants: readonly ParticipantView[] = useParticipants();
  const connection = useConnectionState();
  const snapshot: RoomSnapshot = useRoomSnapshot();
  const same: CoreSnapshot = snapshot;
  const stats = useStats(participants[0]?.id);
  const kbps: number = stats ? Math.round(stats.bitrateIn / 1000) : 0;
  const s: RoomStatus = status;
  const r: Room | null = room;
  const e: RtcroomError | null = error;
  useEffect(() => { if (room) void room.publishCamera(); }, [room]);
  return (
    <section data-version={same.version} data-status={s} data-connection={connection} data-error={e?.code} data-room={r?.id}>
      {participants.map((p) => (
        <figure key={p.id} data-state={p.state} data-quality={p.quality ?? 'unknown'} data-kbps={kbps}>
          {p.tracks.map((t) => (t.kind === 'video'
            ? <VideoView key={t.track.id} stream={t.stream} data-source={t.source} width={160} />
            : <AudioView key={t.track.id} track={t.track} volume={0.5} />))}
          <Tile participant={p} />
        </figure>
      ))}
    </section>
  );
}

function Grid(): ReactElement {
  const cameras: readonly TrackRef[] = useTracks({ source: ['camera', 'screen'] });
  const voices = useTracks({ kind: 'audio', local: false });
  const onSize = (size: RenderedSize): void => { if (size.visible) console.log(size.width * size.pixelRatio, size.height); };
  return (
    <>
      {cameras.map((t) => (t.local
        ? <VideoView key={t.track.id} track={t.track} data-publication={t.publication} />
        : <VideoView key={t.track.id} stream={t.stream} onSizeChange={onSize} data-who={t.participant.name ?? t.participant.id} />))}
      {voices.map((t) => (t.local ? null : <AudioView key={t.track.id} stream={t.stream} data-muted={t.muted} />))}
    </>
  );
}

function Controls(): ReactElement {
  const { camera, microphone, screen } = useLocalMedia({ camera: true, microphone: true, cameraConstraints: { width: 1280 } });
  const button = (name: string, c: LocalMediaControl): ReactElement => (
    <button aria-pressed={c.enabled} disabled={c.pending} title={c.error?.code ?? ''} onClick={() => { void c.toggle(); }}>
      {name}{c.muted ? ' (muted)' : ''}{c.track ? '' : ' (off)'}
    </button>
  );
  return <>{button('camera', camera)}{button('mic', microphone)}{button('screen', screen)}<button onClick={() => { void screen.set(false); }}>stop</button></>;
}

export function App({ url }: { url: string }): ReactElement {
  return (
    <RoomProvider url={url} options={{ room: 'demo', name: 'Ada' }}>
      <Tiles />
      <Grid />
      <Controls />
    </RoomProvider>
  );
}

export function useCount(url: string): number {
  const store = useRoomStore(url, { room: 'demo' });
  return store.getSnapshot().participants.length + (store.getSession().room ? 1 : 0);
}
