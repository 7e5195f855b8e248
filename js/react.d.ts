// Types of rtcroom/react (js/react.js).
import type { ReactNode, VideoHTMLAttributes, ReactElement } from 'react';
import type {
  Room, RtcroomError, JoinOptions, Participant, ParticipantState, ConnectionState, KindAndSource, Quality,
  ConnectionStats,
} from './index.js';

/** A track received from a participant. */
export type ReceivedTrack = Readonly<KindAndSource & { track: MediaStreamTrack; stream: MediaStream; muted: boolean }>;

/** A participant in a snapshot: who, its connection's state, what it sends us. */
export interface ParticipantView extends Readonly<Participant> {
  readonly state: ParticipantState;
  /** From `quality-changed` (null before the first level). */
  readonly quality: Quality | null;
  readonly tracks: readonly ReceivedTrack[];
}

/** `joining` until `Room.join` settles, then `joined`; `left` once left or disconnected; `failed` if the join rejected. */
export type RoomStatus = 'joining' | 'joined' | 'left' | 'failed';

/** An immutable snapshot of a room; every change makes a new one with `version` + 1. */
export interface RoomSnapshot {
  readonly version: number;
  readonly status: RoomStatus;
  /** Why the join failed (`status` `failed`). */
  readonly error: RtcroomError | null;
  /** The joined room (null unless `status` is `joined`). */
  readonly room: Room | null;
  readonly connectionState: ConnectionState | 'connecting';
  readonly participants: readonly ParticipantView[];
}

/** The snapshot store of one room, for `useSyncExternalStore`. */
export declare class RoomStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): RoomSnapshot;
  readonly listenerCount: number;
}

/** Joins while the calling component is mounted (StrictMode-safe); returns the room's store. */
export declare function useRoomStore(url: string, options: JoinOptions): RoomStore;

export interface RoomProviderProps {
  url: string;
  /** Joining again happens only when these change (compared as JSON). */
  options: JoinOptions;
  children?: ReactNode;
}

/** Joins a room for its children while mounted; leaves on unmount. */
export declare function RoomProvider(props: RoomProviderProps): ReactElement;

/** The provider's whole snapshot (re-renders on every change). */
export declare function useRoomSnapshot(): RoomSnapshot;
/** The provider's room, its status and join error. */
export declare function useRoom(): { room: Room | null; status: RoomStatus; error: RtcroomError | null };
/** The other participants (a new array only when something about them changed). */
export declare function useParticipants(): readonly ParticipantView[];
/** The room's signaling connection. */
export declare function useConnectionState(): ConnectionState | 'connecting';

export type VideoViewProps = Omit<VideoHTMLAttributes<HTMLVideoElement>, 'src'> &
  ({ stream: MediaStream | null | undefined; track?: never } | { track: MediaStreamTrack | null | undefined; stream?: never });

/** A `<video>` playing a stream or a track; muted unless `muted={false}`. */
export declare function VideoView(props: VideoViewProps): ReactElement;
/** The latest `room.stats(participantId)`, re-read every `intervalMs` (default 1000); null before the first sample. */
export declare function useStats(participantId: string | null | undefined, intervalMs?: number): ConnectionStats | null;
