// Must compile under `tsc --strict`: an app using rtcroom/react.
import { useEffect, type ReactElement } from 'react';
import { RtcroomError, type Room } from 'rtcroom';
import {
  RoomProvider, useRoom, useParticipants, useConnectionState, useRoomSnapshot, useRoomStore, useStats, VideoView,
  type ParticipantView, type RoomSnapshot, type RoomStatus,
} from 'rtcroom/react';

function Tiles(): ReactElement {
  const { room, status, error } = useRoom();
  const participants: readonly ParticipantView[] = useParticipants();
  const connection = useConnectionState();
  const snapshot: RoomSnapshot = useRoomSnapshot();
  const stats = useStats(participants[0]?.id);
  const kbps: number = stats ? Math.round(stats.bitrateIn / 1000) : 0;
  const s: RoomStatus = status;
  const r: Room | null = room;
  const e: RtcroomError | null = error;
  useEffect(() => { if (room) void room.publishCamera(); }, [room]);
  return (
    <section data-version={snapshot.version} data-status={s} data-connection={connection} data-error={e?.code} data-room={r?.id}>
      {participants.map((p) => (
        <figure key={p.id} data-state={p.state} data-quality={p.quality ?? 'unknown'} data-kbps={kbps}>
          {p.tracks.map((t) => (t.kind === 'video'
            ? <VideoView key={t.track.id} stream={t.stream} data-source={t.source} width={160} />
            : <VideoView key={t.track.id} track={t.track} muted={false} hidden />))}
          <figcaption>{p.name ?? p.id}</figcaption>
        </figure>
      ))}
    </section>
  );
}

export function App({ url }: { url: string }): ReactElement {
  return (
    <RoomProvider url={url} options={{ room: 'demo', name: 'Ada' }}>
      <Tiles />
    </RoomProvider>
  );
}

export function useCount(url: string): number {
  const store = useRoomStore(url, { room: 'demo' });
  return store.getSnapshot().participants.length;
}
