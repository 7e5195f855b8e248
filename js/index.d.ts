// Types of the rtcroom package (js/index.js).

export type TrackSource = 'camera' | 'microphone' | 'screen' | 'screen-audio' | 'custom';
export type TrackKind = 'audio' | 'video';
/** The room's signaling connection (in an SFU room, also our media path to Janus). */
export type ConnectionState = 'connected' | 'reconnecting' | 'reconnected' | 'disconnected';
/**
 * Why the room disconnected (or started reconnecting). SFU rooms:
 * `sfu-session-lost` (Janus forgot our session), `ice-disconnected` /
 * `ice-failed` (our publishing connection's path to Janus; README "SFU rooms").
 */
export type ConnectionReason =
  | 'left' | 'join-timeout' | 'signaling-failed' | 'join-refused'
  | 'resume-failed' | 'resume-timeout' | 'socket-lost'
  | 'sfu-session-lost' | 'ice-disconnected' | 'ice-failed' | 'kicked';
/** One participant's peer connection (in an SFU room: our subscriber connection to Janus, which carries their media). */
export type ParticipantState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';
/** Why a participant's connection changed state. */
export type ParticipantStateReason =
  | 'media-stalled' | 'ice-disconnected' | 'ice-failed' | 'recovered' | 'ice-restart-exhausted' | 'setup-failed';
/** The session's lifecycle. */
export type SessionState = 'connecting' | 'joining' | 'joined' | 'resuming' | 'left' | 'failed';

/**
 * Stable `code` of every error rtcroom throws or rejects with (an
 * {@link RtcroomError}). Anything the browser throws that has no better code
 * is `browser-error`.
 */
export type ErrorCode =
  | 'signaling-failed' | 'signaling-closed' | 'join-refused' | 'join-timeout' | 'protocol-error'
  | 'permission-denied' | 'device-not-found' | 'device-busy' | 'constraints-not-satisfiable' | 'media-failed'
  | 'invalid-argument' | 'browser-error' | 'reentrant-call' | 'wasm-load-failed' | 'timeout'
  | 'sfu-not-built'
  | 'not-joined' | 'already-joined' | 'unknown-participant' | 'source-already-published' | 'track-already-published' | 'not-published'
  | 'message-queue-full' | 'peer-closed' | 'not-allowed' | 'unsupported';

/** Every error rtcroom throws or rejects with: `err instanceof RtcroomError`, then switch on `err.code`. */
export declare class RtcroomError extends Error {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'RtcroomError';
  readonly code: ErrorCode;
  /** What the browser or the driver threw, when rtcroom wrapped it. */
  readonly cause?: unknown;
}

/**
 * A `{"type":"error"}` frame of the signaling server: it rejected one of our
 * frames; the connection and the membership stay.
 */
export type ServerErrorCode =
  | 'malformed-json' | 'unknown-type' | 'invalid-frame' | 'frame-too-large' | 'unknown-target'
  | 'not-joined' | 'already-joined' | 'invalid-room' | 'rate-limited' | 'resume-failed';

/** `code` of a `warning` event: something failed without ending the call. */
export type WarningCode =
  /** Creating or applying our offer to a participant failed (the next negotiation tries again). */
  | 'negotiation-failed'
  /** Creating or applying our answer failed. */
  | 'answer-failed'
  /** A participant's offer or answer was refused by the browser. */
  | 'remote-description-failed'
  /** A participant's ICE candidate was refused by the browser. */
  | 'candidate-failed'
  /** Building the connection to a participant threw; retried twice after 1 s, then `participant-state failed`. */
  | 'peer-setup-failed'
  /** Another browser operation on a participant's connection failed (e.g. `replaceTrack`). */
  | 'browser-error'
  /** The driver reported the completion of an operation the core never started (an rtcroom bug). */
  | 'unknown-op'
  /** A signaling frame from the server could not be parsed. */
  | 'protocol-error'
  | ServerErrorCode
  | SfuWarningCode;

/** `warning` codes of an SFU room (README "SFU rooms"). */
export type SfuWarningCode =
  /** Janus did not confirm a simulcast layer switch after its re-sends (~2 s). */
  | 'layer-switch-failed'
  /** A publishing connection's path to Janus did not come back within 60 s (the room stays `reconnecting`). */
  | 'sfu-connection-failed'
  /** Janus hung up one of our connections (`message` says which and why). */
  | 'sfu-hangup'
  /** Creating or applying an offer or answer with Janus failed. */
  | 'sfu-negotiation-failed'
  /** Another browser operation on a connection to Janus failed. */
  | 'sfu-operation-failed'
  /** A request to Janus failed: the Janus or VideoRoom error, by code. */
  | 'room-full' | 'room-not-found' | 'feed-not-found' | 'invalid-sdp' | 'invalid-state' | 'invalid-argument'
  | 'janus-error' | 'janus-handle-not-found' | 'janus-session-not-found' | 'janus-timeout' | 'videoroom-error'
  | 'switch-timeout' | 'not-allowed' | 'resume-timeout' | 'signaling-failed';

export interface Participant {
  id: string;
  name: string | null;
  meta: Record<string, string>;
  /** What it announced it publishes (as of this snapshot). */
  publications: Publication[];
}

/** One track a participant publishes. */
export type Publication = KindAndSource & {
  /** Stable while published (`null` from older clients). */
  id: string | null;
  muted: boolean;
};

export interface JoinOptions {
  /** The room's name; in an SFU room (`sfu: 'janus'`), the VideoRoom's number. */
  room: string | number;
  /**
   * `'janus'`: `url` is a Janus WebSocket (`ws://host:8188`) and `room` a
   * VideoRoom number. Same API and events as a mesh room: participants are
   * the room's publishers (and, in a room with `notify_joining = true`,
   * everyone in it, media or not), the camera is sent with three simulcast layers, a
   * screen share as a feed of its own, mute is signalled, everyone else's
   * media comes through Janus. Default: an rtcroom server.
   */
  sfu?: 'janus';
  name?: string;
  meta?: Record<string, string>;
  /** Added to the ICE servers the signaling server provides. */
  iceServers?: RTCIceServer[];
  /** Socket + welcome timeout, default 10000 ms. */
  joinTimeoutMs?: number;
  /**
   * Join token (JWT HS256) minted by your backend for this room and identity.
   * Required by a server started with a secret; its grants decide whether
   * `publish*` (`canPublish`) and `send` (`canPublishData`) are allowed
   * (otherwise they throw or reject with code `not-allowed`).
   */
  token?: string;
  /** `'relay'`: connect only through the TURN servers (from the server's welcome or `iceServers`). Default `'all'`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * The adaptive-bitrate controller (default `true`): every 400 ms it reads
   * each connection's stats and sets each video sender's `active`,
   * `maxBitrate`, `scaleResolutionDownBy` and `maxFramerate`
   * (`setParameters`, no renegotiation) — down within seconds when the link
   * shrinks, back up by probing, lower frame rate/resolution when the
   * encoder is CPU-limited (an SFU publisher's simulcast layers: the top
   * layers switched off); audio is never touched (video yields first).
   * Default `true`; `false` turns the controller off: the published plan
   * is sent as is (the browser's own congestion control still applies).
   */
  adaptiveBitrate?: boolean;
  /**
   * Where to load the wasm from (default: next to index.js):
   * `rtcroom_bg.wasm`, or `rtcroom_sfu_bg.wasm` when `sfu` is set.
   */
  wasmUrl?: string | URL;
}

/**
 * What a track carries, as a discriminated union: a `camera` or `screen`
 * track is `video`, a `microphone` or `screen-audio` track is `audio`, a
 * `custom` track either.
 */
export type KindAndSource =
  | { kind: 'video'; source: 'camera' | 'screen' | 'custom' }
  | { kind: 'audio'; source: 'microphone' | 'screen-audio' | 'custom' };

/** Payload of `track` and `track-removed`. Narrow on `kind` or `source`. */
export type TrackEvent = KindAndSource & {
  participant: Participant;
  /**
   * The receiving track. After `track-removed` it stays in its stream without
   * new media; a later publication of that kind may arrive in a `track` event
   * with this same track.
   */
  track: MediaStreamTrack;
  /** Camera + microphone of one participant share a stream (as do screen + screen audio). */
  stream: MediaStream;
  /** The sender's publication id (absent from older clients). */
  publication?: string;
  /** Its sender muted it (`track-muted` / `track-unmuted` say when that changes). */
  muted: boolean;
};

/** One media device (`listDevices`). */
export interface MediaDeviceDescription {
  kind: 'videoinput' | 'audioinput' | 'audiooutput';
  deviceId: string;
  label: string;
  groupId: string;
}

/** The media devices (`enumerateDevices`). */
export declare function listDevices(): Promise<MediaDeviceDescription[]>;

/** One of our publications (`room.localPublications`). */
export type LocalPublication = KindAndSource & {
  track: MediaStreamTrack;
  /** Our publication id (the track's id). */
  publication: string;
  muted: boolean;
};

/** Payload of `track-published` and `track-unpublished` (our own tracks). */
export type LocalTrackEvent = KindAndSource & {
  track: MediaStreamTrack;
  /** Our publication id (the track's id). */
  publication: string;
  /**
   * `track-unpublished` only: `unpublished` (the app), `ended` (device gone,
   * "stop sharing") or `kicked` (SFU rooms: a moderator removed our screen
   * share's feed; the camera stays).
   */
  reason?: 'unpublished' | 'ended' | 'kicked';
};

/**
 * A connection's quality: `excellent` / `good` / `poor` from loss, RTT and
 * jitter (a simplified E-model, README "Stats and quality"), capped at
 * `good` while video freezes; `lost` when no byte arrived for ~2 s.
 */
export type Quality = 'excellent' | 'good' | 'poor' | 'lost';

/** `room.stats(id)`: the connection to one participant, as of `at`. */
export interface ConnectionStats {
  /** `performance.now()` when the sample was taken. */
  at: number;
  /** Bits per second over the last interval (selected candidate pair). */
  bitrateIn: number;
  bitrateOut: number;
  rttMs: number | null;
  /** Inbound RTP packets lost over the last ~2 s, in percent. */
  lossPercent: number;
  /** The worst inbound jitter. */
  jitterMs: number | null;
  availableOutgoingBitrate: number | null;
  /** `host`, `srflx`, `prflx` or `relay`. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  quality: Quality;
  /** The E-model's mean opinion score (1 to ~4.4). */
  mos: number;
  videoIn: Array<{
    mid: string | null; width: number | null; height: number | null; fps: number | null;
    framesDecoded: number; freezeCount: number; freezesS: number;
  }>;
  /** What we send: one entry per encoding (simulcast layer). */
  layersOut: Array<{
    kind: 'audio' | 'video'; rid: string | null; width: number | null; height: number | null;
    fps: number | null; active: boolean | null; bitrate: number; qualityLimitationReason: string | null;
  }>;
}

/** A track we receive, as a snapshot lists it. */
export type ReceivedTrack = Readonly<KindAndSource & {
  track: MediaStreamTrack;
  /** Camera + microphone of one participant share a stream (as do screen + screen audio). */
  stream: MediaStream;
  /** The sender's publication id (null from older clients). */
  publication: string | null;
  /** Its sender muted it. */
  muted: boolean;
}>;

/** A participant in a {@link RoomSnapshot}: who, its connection, what it announces and what we receive from it. */
export interface ParticipantSnapshot {
  readonly id: string;
  readonly name: string | null;
  readonly meta: Readonly<Record<string, string>>;
  /** What it announced it publishes, as of its latest event. */
  readonly publications: readonly Readonly<Publication>[];
  /** Our peer connection to it (`participant-state`); `connecting` at first. */
  readonly state: ParticipantState;
  /** From `quality-changed` (null before the first level). */
  readonly quality: Quality | null;
  /** What we receive from it (`track` until `track-removed`), with its muted state. */
  readonly tracks: readonly ReceivedTrack[];
}

/**
 * The room as an immutable snapshot (`room.snapshot`). The same object
 * until something changes; then a new frozen one with `version + 1` that
 * shares every unchanged participant, publication and track, so
 * `useSyncExternalStore` and memoised components compare by reference.
 * `state-changed` fires once per batch of changes.
 */
export interface RoomSnapshot {
  readonly version: number;
  /** The signaling connection (`connection-state`); `connecting` before the first event. */
  readonly connectionState: ConnectionState | 'connecting';
  /** What we publish, in publish order, with its muted state. */
  readonly localPublications: readonly Readonly<LocalPublication>[];
  /** Everyone else (empty once disconnected). */
  readonly participants: readonly ParticipantSnapshot[];
}

/** Payload of `quality-changed`. */
export interface QualityChangedEvent {
  participant: Participant;
  quality: Quality;
}

/** Why a participant left: `leave()`, its socket closed, or it went silent. */
export type LeaveReason = 'left' | 'disconnected' | 'timeout';

/** Payload of `participant-left`. */
export interface ParticipantLeftEvent extends Participant { reason: LeaveReason; }

/** Payload of `message`. */
export interface RoomMessageEvent {
  from: Participant;
  /** Text arrives as a string, binary (ArrayBuffer or typed array sent) as a Uint8Array. */
  data: string | Uint8Array;
}

/** Payload of `connection-state` (the room's signaling connection). */
export interface ConnectionStateEvent { state: ConnectionState; reason?: ConnectionReason; }

/** Payload of `participant-state` (one participant's peer connection). */
export interface ParticipantStateEvent {
  participant: Participant;
  state: ParticipantState;
  reason?: ParticipantStateReason;
}

/** Payload of `warning`. `participant` is set when it concerns one participant's connection. */
export interface WarningEvent {
  participant?: Participant;
  code: WarningCode;
  message: string;
}

/** Event name → payload of `room.on(name, fn)`. */
export interface RoomEvents {
  'participant-joined': Participant;
  'participant-updated': Participant;
  'participant-left': ParticipantLeftEvent;
  'track': TrackEvent;
  'track-removed': TrackEvent;
  /** A participant muted / unmuted one of its tracks. */
  'track-muted': TrackEvent;
  'track-unmuted': TrackEvent;
  /** We started / stopped publishing a track. */
  'track-published': LocalTrackEvent;
  'track-unpublished': LocalTrackEvent;
  /** Text arrives as a string, binary as a Uint8Array. */
  'message': RoomMessageEvent;
  /**
   * The signaling connection: `reconnecting` when the socket was lost (media
   * keeps flowing; the SDK resumes with back-off within the server's grace
   * period), `reconnected` once back as the same participant,
   * `disconnected` when over (left, or given up: see `reason`).
   */
  'connection-state': ConnectionStateEvent;
  /**
   * A participant's connection: `reconnecting` when the path was lost
   * (stalled inbound bytes, ICE `disconnected` for 1 s, or `failed`),
   * `connected` again after an ICE restart, `failed` after 60 s.
   */
  'participant-state': ParticipantStateEvent;
  /** A participant's connection quality level changed (smoothed: it holds 2 samples first, `lost` at once). */
  'quality-changed': QualityChangedEvent;
  /** The media devices changed (`devicechange`): call `listDevices()`. */
  'devices-changed': Record<string, never>;
  /** Something failed without ending the call (an operation, a rejected frame). */
  'warning': WarningEvent;
  /**
   * `room.snapshot` changed: once per batch of changes (those made in one
   * synchronous run, e.g. every event of one browser callback), in a
   * microtask after their own events; the payload is the snapshot then.
   */
  'state-changed': RoomSnapshot;
}

/** Every event name `room.on` accepts. */
export type RoomEventName = keyof RoomEvents;

export declare const ROOM_EVENTS: ReadonlyArray<RoomEventName>;

/**
 * Loads a WebAssembly build once (Room.join does it for you). `load(wasmUrl?)`:
 * the mesh build (`rtcroom_bg.wasm`, mesh rooms), which in a browser page
 * starts loading when the package is imported (in a microtask after the
 * importing modules ran); elsewhere (Node, SSR) only when called.
 * `load({ sfu: 'janus', wasmUrl? })`: the SFU build (`rtcroom_sfu_bg.wasm`
 * and its glue `rtcroom_sfu.js`), which SFU rooms need and which runs mesh
 * rooms too: a page that calls it at start (before the import-time preload
 * begins) downloads only that build. Rejects with `wasm-load-failed`, or
 * `invalid-argument` for another `sfu`.
 */
export declare function load(wasmUrl?: string | URL | { sfu?: 'janus'; wasmUrl?: string | URL }): Promise<unknown>;

/**
 * Resolves once the import-time warm-up is over: in a browser page, once the
 * module is loaded, two rooms of the page call each other once at idle time
 * through memory (nothing on the network: relay-only connections with no
 * TURN server, a blank canvas track), so a first real call does not pay for
 * compiling. A `Room.join` cancels what is left of it; outside a browser page
 * nothing runs and this resolves at once. Never rejects.
 */
export declare function warmedUp(): Promise<void>;

/** A joined room. Every method throws (or rejects with) an {@link RtcroomError}. */
/** `publishScreen` options. */
export interface ScreenShareOptions {
  /**
   * `text` (default): slides, code, documents — up to 1080p at 15 fps,
   * `contentHint: 'detail'`. `motion`: video — 720p at 30 fps, `'motion'`.
   */
  preset?: 'text' | 'motion';
  /** Overrides the preset's `MediaStreamTrack.contentHint`. */
  contentHint?: '' | 'motion' | 'detail' | 'text';
  /** Also capture the tab's / system's audio (published as `screen-audio`). */
  audio?: boolean | MediaTrackConstraints;
  /** `getDisplayMedia` video constraints, used as given instead of the preset's. */
  video?: MediaTrackConstraints;
}

export declare class Room {
  private constructor(token: never);
  /**
   * Connects to `url` and joins `options.room`. With an array of URLs (server
   * nodes sharing rooms on a Redis backplane) the first is tried first; a
   * failed first join tries each once, and a lost connection resumes on the
   * same URL first, then on the next one after each failed attempt, so a
   * dead node's participants resume on another node without leaving.
   * Rejects with `invalid-argument`, `wasm-load-failed`, `signaling-failed`, `join-timeout`, `join-refused`, …
   */
  static join(url: string | readonly string[], options: JoinOptions): Promise<Room>;
  readonly id: string;
  readonly state: SessionState;
  /** The room as an immutable, versioned snapshot (see {@link RoomSnapshot}). */
  readonly snapshot: RoomSnapshot;
  /** Everyone else: `snapshot.participants` (the same array until it changes). */
  readonly participants: readonly ParticipantSnapshot[];
  readonly localTracks: MediaStreamTrack[];
  /** What we publish, in publish order: `snapshot.localPublications`. */
  readonly localPublications: readonly Readonly<LocalPublication>[];
  /** How many listeners `name` (or every event) has: for tests and leak checks. */
  listenerCount(name?: RoomEventName): number;
  /** Our camera / microphone is published and not muted. */
  readonly isCameraEnabled: boolean;
  readonly isMicrophoneEnabled: boolean;
  /**
   * Camera on: published with getUserMedia the first time (with
   * `constraints` for the video, if given), unmuted after (the same device
   * captured again); off: muted with the capture released (the camera light
   * goes off; the others get `track-muted`). Calls run in turn: a second
   * `true` while the first publishes publishes nothing more.
   */
  setCameraEnabled(enabled: boolean, constraints?: MediaTrackConstraints): Promise<void>;
  /** The media devices (as the module's `listDevices`). */
  listDevices(): Promise<MediaDeviceDescription[]>;
  /**
   * Switches our published camera (`video`) or microphone (`audio`) to
   * `deviceId` with `replaceTrack` (no renegotiation; the others keep their
   * track and its publication; the old track is stopped). Resolves with the
   * new track; `not-published` when that device kind is not published.
   */
  switchDevice(kind: 'video' | 'audio', deviceId: string): Promise<MediaStreamTrack>;
  /** The same for the microphone (silence while off). */
  setMicrophoneEnabled(enabled: boolean, constraints?: MediaTrackConstraints): Promise<void>;
  on<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): () => void;
  off<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): void;
  once<K extends keyof RoomEvents>(name: K, fn: (event: RoomEvents[K]) => void): () => void;
  waitFor<K extends keyof RoomEvents>(name: K, filter?: (event: RoomEvents[K]) => boolean, timeoutMs?: number): Promise<RoomEvents[K]>;
  publishCamera(constraints?: MediaStreamConstraints): Promise<MediaStreamTrack[]>;
  /**
   * Screen share next to the camera, as its own stream (in an SFU room, a
   * Janus feed of its own with the preset's two layers). Rejects with
   * `invalid-argument` for an unknown preset or hint, `permission-denied`
   * when the user refuses (the camera is not touched).
   */
  publishScreen(options?: ScreenShareOptions): Promise<MediaStreamTrack[]>;
  /** `source` must match the track's kind (see {@link KindAndSource}); default `camera` for video, `microphone` for audio. */
  publishTrack(track: MediaStreamTrack, options?: { source?: TrackSource }): Promise<void>;
  unpublish(track: MediaStreamTrack): Promise<void>;
  /**
   * Mutes or unmutes one of our published tracks (`not-published` if it is
   * not). A camera the SDK captured is released while muted (light off) and
   * captured again from the same device on unmute: the promise then resolves
   * with the new track (same publication, no renegotiation); otherwise with
   * `track`. In an SFU room the others hear it through the stream's Janus
   * description (an SDP-less `configure`), as `track-muted` / `track-unmuted`.
   */
  setMuted(track: MediaStreamTrack, muted: boolean): Promise<MediaStreamTrack>;
  /**
   * To everyone: returns the participants the message could not be queued for.
   * In an SFU room, text beginning with `"\u0000rtcroom:"` is reserved for the
   * SDK's own messages and throws `invalid-argument`.
   */
  send(
    data: string | ArrayBuffer | ArrayBufferView,
    options?: { to?: string; reliable?: boolean },
  ): Array<{ participant: string; code: ErrorCode }>;
  /**
   * Replaces our metadata (synchronous: sent at once, or on resume); the
   * others get `participant-updated`. Throws `invalid-argument` for anything
   * but an object of strings, `not-joined` once left.
   */
  updateMeta(meta: Record<string, string>): void;
  /**
   * The connection to one participant (stats, debugging). `undefined` for an
   * unknown participant, and for the participants listed at join during the
   * one task after `Room.join` resolved (connections are built right after).
   * SFU rooms: the subscriber connection for any participant, or ours by
   * name: `'sfu-publisher'`, `'sfu-screen'` (while sharing), `'sfu-subscriber'`.
   */
  peerConnection(participantId: string): RTCPeerConnection | undefined;
  /**
   * The latest stats of the connection to one participant (sampled every
   * 400 ms once connected), or `null` before the first sample. In an SFU
   * room: what we receive of that participant (RTT: our path to Janus), or
   * one of our connections, `'sfu-publisher'`, `'sfu-screen'` or
   * `'sfu-subscriber'` (README "SFU rooms").
   */
  stats(participantId: string): ConnectionStats | null;
  restartIce(participantId: string): void;
  /**
   * SFU rooms (adaptive stream): report how a received video track is
   * rendered, in device pixels; `visible: false` (off screen, hidden)
   * pauses it. Its simulcast layer follows. No effect in a mesh room.
   */
  setVideoSize(track: MediaStreamTrack, view: { width: number; height: number; visible?: boolean }): void;
  leave(): Promise<void>;
}
