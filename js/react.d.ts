// Types of rtcroom/react (js/react.js).
import type { ReactNode, VideoHTMLAttributes, AudioHTMLAttributes, ReactElement } from 'react';
import type {
  Room, RtcroomError, JoinOptions, ConnectionState, KindAndSource, ConnectionStats,
  RoomSnapshot, ParticipantSnapshot, ReceivedTrack, TrackSource, TrackKind,
} from './index.js';

export type { RoomSnapshot, ParticipantSnapshot, ReceivedTrack } from './index.js';
/** A participant as the hooks give it: the room snapshot's. */
export type ParticipantView = ParticipantSnapshot;

/** `joining` until `Room.join` settles, then `joined`; `left` once left or disconnected; `failed` if the join rejected. */
export type RoomStatus = 'joining' | 'joined' | 'left' | 'failed';

/** The session of a provider's join: the same frozen object until the status changes. */
export interface RoomSession {
  readonly status: RoomStatus;
  /** Why the join failed (`status` `failed`). */
  readonly error: RtcroomError | null;
  /** The joined room (null unless `status` is `joined`). */
  readonly room: Room | null;
}

/** One join for `useSyncExternalStore`: the session and the room's own snapshot. */
export declare class RoomStore {
  subscribe(onChange: () => void): () => void;
  /** `room.snapshot` (an empty one before the join, or after a failed one). */
  getSnapshot(): RoomSnapshot;
  getSession(): RoomSession;
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

/** The room's snapshot (`room.snapshot`; re-renders on every change). */
export declare function useRoomSnapshot(): RoomSnapshot;
/** The provider's room, its status and join error (the same object until the status changes). */
export declare function useRoom(): RoomSession;
/** The other participants (a new array only when something about them changed). */
export declare function useParticipants(): readonly ParticipantSnapshot[];
/** The room's signaling connection. */
export declare function useConnectionState(): ConnectionState | 'connecting';

/** One of our published tracks, as `useTracks` lists it. */
export type LocalTrackRef = Readonly<KindAndSource & {
  local: true;
  participant: null;
  publication: string;
  track: MediaStreamTrack;
  stream: null;
  muted: boolean;
}>;
/** A track we receive, with its participant, as `useTracks` lists it. */
export type RemoteTrackRef = Readonly<KindAndSource & {
  local: false;
  participant: ParticipantSnapshot;
  publication: string | null;
  track: MediaStreamTrack;
  stream: MediaStream;
  muted: boolean;
}>;
export type TrackRef = LocalTrackRef | RemoteTrackRef;

export interface UseTracksOptions {
  /** Only these sources (default: all). */
  source?: TrackSource | readonly TrackSource[];
  /** Only this kind (default: both). */
  kind?: TrackKind;
  /** Include ours (default true). */
  local?: boolean;
}

/** Our tracks, then the received ones, filtered; the same array (and references) until one of them changes. */
export declare function useTracks(options?: UseTracksOptions): readonly TrackRef[];

/** One device of `useLocalMedia`. */
export interface LocalMediaControl {
  /** Published and not muted (the screen: published). */
  readonly enabled: boolean;
  /** Published and muted. */
  readonly muted: boolean;
  readonly published: boolean;
  /** A toggle of this device started by this hook is in progress. */
  readonly pending: boolean;
  /** Why its last toggle failed (cleared by the next). */
  readonly error: RtcroomError | null;
  /** The published track (null when not published). */
  readonly track: MediaStreamTrack | null;
  /** Turns it on or off; never rejects (see `error`). */
  set(on: boolean): Promise<void>;
  toggle(): Promise<void>;
}

export interface LocalMediaOptions {
  /** Turn the camera on once the room is joined (once, also under StrictMode). */
  camera?: boolean;
  /** Turn the microphone on once the room is joined. */
  microphone?: boolean;
  /** getUserMedia video constraints of the first camera publication. */
  cameraConstraints?: MediaTrackConstraints;
  /** getUserMedia audio constraints of the first microphone publication. */
  microphoneConstraints?: MediaTrackConstraints;
  /** getDisplayMedia options of the screen. */
  screenOptions?: DisplayMediaStreamOptions;
}

/**
 * Our camera, microphone and screen with their state and toggles. Camera and
 * microphone: the first `on` publishes, later ones unmute; `off` mutes
 * (`room.setCameraEnabled`). Screen: published / unpublished (with its audio).
 */
export declare function useLocalMedia(options?: LocalMediaOptions): {
  readonly camera: LocalMediaControl;
  readonly microphone: LocalMediaControl;
  readonly screen: LocalMediaControl;
};

/** What `<VideoView onSizeChange>` reports. */
export interface RenderedSize {
  /** The element's content box, in CSS pixels (multiply by `pixelRatio` for device pixels). */
  readonly width: number;
  readonly height: number;
  /** In the viewport, a non-empty box, and the page not hidden. */
  readonly visible: boolean;
  readonly pixelRatio: number;
}

type Source =
  | { stream: MediaStream | null | undefined; track?: never }
  | { track: MediaStreamTrack | null | undefined; stream?: never };

export type VideoViewProps = Omit<VideoHTMLAttributes<HTMLVideoElement>, 'src'> & Source & {
  /**
   * Called with the rendered size and visibility at first and on every
   * change (ResizeObserver, IntersectionObserver, page visibility): what an
   * adaptive stream needs to receive no more than is shown.
   */
  onSizeChange?: (size: RenderedSize) => void;
};

/**
 * A `<video>` playing a stream or a track; muted unless `muted={false}`.
 * Adaptive stream: a video the provider's room receives gets its rendered
 * size (device pixels) and visibility reported with `room.setVideoSize`, so
 * an SFU room receives the layer it needs and nothing while it is hidden.
 */
export declare function VideoView(props: VideoViewProps): ReactElement;

export type AudioViewProps = Omit<AudioHTMLAttributes<HTMLAudioElement>, 'src'> & Source & {
  /** 0 to 1. */
  volume?: number;
};

/** An `<audio>` playing a stream or a track while mounted. */
export declare function AudioView(props: AudioViewProps): ReactElement;

/** The latest `room.stats(participantId)`, re-read every `intervalMs` (default 1000); null before the first sample. */
export declare function useStats(participantId: string | null | undefined, intervalMs?: number): ConnectionStats | null;
