// Types of the rtcroom package (js/index.js).

export type TrackSource = 'camera' | 'microphone' | 'screen' | 'screen-audio' | 'custom';
export type TrackKind = 'audio' | 'video';
export type ConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** Stable `code` of every Error rtcroom throws or rejects with. */
export type ErrorCode =
  | 'signaling-failed' | 'signaling-closed' | 'join-refused' | 'join-timeout' | 'protocol-error'
  | 'permission-denied' | 'device-not-found' | 'device-busy' | 'constraints-not-satisfiable' | 'media-failed'
  | 'invalid-argument' | 'browser-error' | 'reentrant-call' | 'wasm-load-failed' | 'timeout'
  | 'not-joined' | 'already-joined' | 'unknown-participant' | 'source-already-published' | 'track-already-published' | 'not-published'
  | 'message-queue-full' | 'peer-closed';

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
  'message': { from: Participant; data: string };
  'connection-state': { participant: Participant; state: ConnectionState };
  /** Something failed without ending the call (an operation, a rejected frame). */
  'warning': { participant?: Participant; code: string; message: string };
  /** The signaling connection closed; media keeps flowing. */
  'disconnected': Record<string, never>;
}

export declare const ROOM_EVENTS: ReadonlyArray<keyof RoomEvents>;

/** Loads the WebAssembly module once (Room.join does it for you). */
export declare function load(wasmUrl?: string | URL): Promise<unknown>;

export declare class Room {
  private constructor(token: never);
  static join(url: string, options: JoinOptions): Promise<Room>;
  readonly id: string;
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
  send(data: string, options?: { to?: string }): void;
  peerConnection(participantId: string): RTCPeerConnection | undefined;
  restartIce(participantId: string): void;
  leave(): Promise<void>;
}
