// Types of the rtcroom package (js/index.js).

export type TrackSource = 'camera' | 'microphone' | 'screen' | 'screen-audio' | 'custom';
export type TrackKind = 'audio' | 'video';
/** The room's signaling connection. */
export type ConnectionState = 'connected' | 'reconnecting' | 'reconnected' | 'disconnected';
/** Why the room disconnected (or started reconnecting). */
export type ConnectionReason =
  | 'left' | 'join-timeout' | 'signaling-failed' | 'join-refused'
  | 'resume-failed' | 'resume-timeout' | 'socket-lost';
/** One participant's peer connection. */
export type ParticipantState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';
/** Why a participant's connection changed state. */
export type ParticipantStateReason =
  | 'media-stalled' | 'ice-disconnected' | 'ice-failed' | 'recovered' | 'ice-restart-exhausted' | 'setup-failed';
/** The session's lifecycle. */
export type SessionState = 'connecting' | 'joining' | 'joined' | 'resuming' | 'left' | 'failed';

/** Stable `code` of every Error rtcroom throws or rejects with. */
export type ErrorCode =
  | 'signaling-failed' | 'signaling-closed' | 'join-refused' | 'join-timeout' | 'protocol-error'
  | 'permission-denied' | 'device-not-found' | 'device-busy' | 'constraints-not-satisfiable' | 'media-failed'
  | 'invalid-argument' | 'browser-error' | 'reentrant-call' | 'wasm-load-failed' | 'timeout'
  | 'not-joined' | 'already-joined' | 'unknown-participant' | 'source-already-published' | 'track-already-published' | 'not-published'
  | 'message-queue-full' | 'peer-closed' | 'peer-setup-failed';

export interface RtcroomError extends Error { code: ErrorCode; }

export interface Participant {
  id: string;
  name: string | null;
  meta: Record<string, string>;
}

export interface JoinOptions {
  room: string;
  name?: string;
  meta?: Record<string, string>;
  /** Added to the ICE servers the signaling server provides. */
  iceServers?: RTCIceServer[];
  /** Socket + welcome timeout, default 10000 ms. */
  joinTimeoutMs?: number;
  /** Where to load rtcroom_bg.wasm from (default: next to index.js). */
  wasmUrl?: string | URL;
}

export interface TrackEvent {
  participant: Participant;
  /**
   * The receiving track. After `track-removed` it stays in its stream without
   * new media; a later publication of that kind may arrive in a `track` event
   * with this same track.
   */
  track: MediaStreamTrack;
  /** Camera + microphone of one participant share a stream (as do screen + screen audio). */
  stream: MediaStream;
  kind: TrackKind;
  source: TrackSource;
}

export interface RoomEvents {
  'participant-joined': Participant;
  'participant-updated': Participant;
  'participant-left': Participant & { reason: 'left' | 'disconnected' | 'timeout' };
  'track': TrackEvent;
  'track-removed': TrackEvent;
  /** Text arrives as a string, binary as a Uint8Array. */
  'message': { from: Participant; data: string | Uint8Array };
  /**
   * The signaling connection: `reconnecting` when the socket was lost (media
   * keeps flowing; the SDK resumes with back-off within the server's grace
   * period), `reconnected` once back as the same participant,
   * `disconnected` when over (left, or given up: see `reason`).
   */
  'connection-state': { state: ConnectionState; reason?: ConnectionReason };
  /**
   * A participant's connection: `reconnecting` when the path was lost
   * (stalled inbound bytes, ICE `disconnected` for 1 s, or `failed`),
   * `connected` again after an ICE restart, `failed` after 60 s.
   */
  'participant-state': { participant: Participant; state: ParticipantState; reason?: ParticipantStateReason };
  /** Something failed without ending the call (an operation, a rejected frame). */
  'warning': { participant?: Participant; code: string; message: string };
}

export declare const ROOM_EVENTS: ReadonlyArray<keyof RoomEvents>;

/** Loads the WebAssembly module once (Room.join does it for you). */
export declare function load(wasmUrl?: string | URL): Promise<unknown>;

export declare class Room {
  private constructor(token: never);
  static join(url: string, options: JoinOptions): Promise<Room>;
  readonly id: string;
  readonly state: SessionState;
  readonly participants: Participant[];
  readonly localTracks: MediaStreamTrack[];
  on<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): () => void;
  off<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): void;
  once<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): () => void;
  waitFor<K extends keyof RoomEvents>(name: K, filter?: (event: RoomEvents[K]) => boolean, timeoutMs?: number): Promise<RoomEvents[K]>;
  publishCamera(constraints?: MediaStreamConstraints): Promise<MediaStreamTrack[]>;
  publishScreen(constraints?: DisplayMediaStreamOptions): Promise<MediaStreamTrack[]>;
  publishTrack(track: MediaStreamTrack, options?: { source?: TrackSource }): Promise<void>;
  unpublish(track: MediaStreamTrack): Promise<void>;
  /** To everyone: returns the participants the message could not be queued for. */
  send(
    data: string | ArrayBuffer | ArrayBufferView,
    options?: { to?: string; reliable?: boolean },
  ): Array<{ participant: string; code: ErrorCode }>;
  updateMeta(meta: Record<string, string>): void;
  /**
   * The connection to one participant (stats, debugging). `undefined` for an
   * unknown participant, and for the participants listed at join during the
   * one task after `Room.join` resolved (connections are built right after).
   */
  peerConnection(participantId: string): RTCPeerConnection | undefined;
  restartIce(participantId: string): void;
  leave(): Promise<void>;
}
