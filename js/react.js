// rtcroom/react — React bindings over the Room facade. The hooks read the
// room's own immutable snapshot (`room.snapshot`, a new object only when
// something changed, announced by `state-changed`) with
// useSyncExternalStore: nothing is copied here. Types in react.d.ts. Safe
// under <StrictMode> (its simulated unmount and remount reuse the join in
// progress instead of joining twice) and in SSR (nothing joins on the
// server; hooks return the empty snapshot).
import {
  createContext, createElement, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore,
} from 'react';
import { Room, RtcroomError } from './index.js';

const EMPTY = Object.freeze([]);
// The room snapshot when there is no room: joining (and on the server), and
// after a join that failed or was abandoned.
const JOINING = Object.freeze({ version: 0, connectionState: 'connecting', localPublications: EMPTY, participants: EMPTY });
const ENDED = Object.freeze({ ...JOINING, connectionState: 'disconnected' });

function rtcroomError(e) {
  return e instanceof RtcroomError ? e : new RtcroomError('browser-error', String(e?.message ?? e), { cause: e });
}

/**
 * One join as React sees it: the session (`{ status, error, room }`, a new
 * frozen object on each status change) and the room's snapshot. One
 * `state-changed` listener on the room, however many components read it.
 */
export class RoomStore {
  #listeners = new Set();
  // The room whose snapshot the hooks read; kept once left (its snapshot is
  // then the final one: disconnected, nobody).
  #room = null;
  #off = null;
  #session = Object.freeze({ status: 'joining', error: null, room: null });

  subscribe = (fn) => {
    this.#listeners.add(fn);
    return () => { this.#listeners.delete(fn); };
  };

  /** The room's own snapshot (`room.snapshot`), or an empty one without a room. */
  getSnapshot = () => this.#room?.snapshot ?? (this.#session.status === 'joining' ? JOINING : ENDED);

  /** `{ status, error, room }`: the same object until the status changes. */
  getSession = () => this.#session;

  /** Number of subscribed listeners (components), for tests and debugging. */
  get listenerCount() { return this.#listeners.size; }

  #notify() {
    for (const fn of [...this.#listeners]) fn();
  }

  #setSession(status, error, room) {
    this.#session = Object.freeze({ status, error, room });
    this.#notify();
  }

  /** Starts following `room` (joined). */
  attach(room) {
    this.#room = room;
    this.#off = room.on('state-changed', (snapshot) => {
      // Disconnected for good (given up, or left elsewhere): the session is over.
      if (snapshot.connectionState === 'disconnected' && this.#session.status === 'joined') this.#setSession('left', null, null);
      else this.#notify();
    });
    this.#setSession('joined', null, room);
  }

  /** The join failed. */
  fail(error) { this.#setSession('failed', error, null); }

  /** Stops following the room (its listener is removed). */
  detach() {
    this.#off?.();
    this.#off = null;
    if (this.#session.status !== 'failed' && this.#session.status !== 'left') this.#setSession('left', null, null);
  }
}

/**
 * One join: a store, the room once joined, and a deferred leave that a
 * StrictMode remount cancels.
 */
class Session {
  store = new RoomStore();
  room = null;
  #closed = false;
  #leaveTimer = null;

  constructor(url, options) {
    Room.join(url, options).then((room) => {
      if (this.#closed) { room.leave().catch(() => {}); return; }
      this.room = room;
      this.store.attach(room);
    }, (e) => {
      if (!this.#closed) this.store.fail(rtcroomError(e));
    });
  }

  /** An effect cleanup: leave, unless the same component mounts again at once (StrictMode). */
  release() {
    this.#leaveTimer = setTimeout(() => this.close(), 0);
  }

  get closed() { return this.#closed; }

  retain() {
    clearTimeout(this.#leaveTimer);
    this.#leaveTimer = null;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    // Leave first: the room's snapshot is final before the store says `left`.
    this.room?.leave().catch(() => {});
    this.room = null;
    this.store.detach();
  }
}

// The store hooks read outside any provider, and on the server.
const idleStore = new RoomStore();

/**
 * Joins `options.room` on the server at `url` while the calling component is
 * mounted (a change of `url` or of the options' JSON joins afresh; unmounting
 * leaves). Returns the room's store.
 */
export function useRoomStore(url, options) {
  const key = JSON.stringify([url, options ?? null]);
  const session = useRef(null);
  // The session of this key: made during render the first time, so the
  // store exists before the effect; the effect owns its lifetime.
  if (session.current === null || session.current.key !== key) {
    session.current = { key, value: null };
  }
  const [, rerender] = useState(0);
  useEffect(() => {
    const slot = session.current;
    // A session closed meanwhile (the component was hidden, e.g. by
    // <Activity>, longer than a StrictMode remount takes) is joined afresh.
    if (slot.value === null || slot.value.closed) {
      slot.value = new Session(url, options);
      rerender((n) => n + 1);
    } else {
      slot.value.retain();
    }
    const s = slot.value;
    return () => s.release();
    // `key` stands for url and options.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return session.current.value?.store ?? idleStore;
}

const RoomContext = createContext(null);

/** Joins a room for its children: `<RoomProvider url={…} options={{ room: 'demo' }}>`. */
export function RoomProvider({ url, options, children }) {
  const store = useRoomStore(url, options);
  return createElement(RoomContext.Provider, { value: store }, children);
}

function useStore() {
  return useContext(RoomContext) ?? idleStore;
}

/** Reads `select(store)` (a value the store keeps: re-renders only when it is another one). */
function useSelect(select) {
  const store = useStore();
  const get = () => select(store);
  return useSyncExternalStore(store.subscribe, get, get);
}

/** The room's snapshot (`room.snapshot`; re-renders on every change). */
export function useRoomSnapshot() {
  return useSelect((s) => s.getSnapshot());
}

/** `{ room, status, error }` of the provider's room (`room` is null until joined); the same object until the status changes. */
export function useRoom() {
  return useSelect((s) => s.getSession());
}

/** The other participants, each with `state`, `quality`, `publications` and its received `tracks`. */
export function useParticipants() {
  return useSelect((s) => s.getSnapshot().participants);
}

/** The room's signaling connection: `connecting`, `connected`, `reconnecting`, `reconnected`, `disconnected`. */
export function useConnectionState() {
  return useSelect((s) => s.getSnapshot().connectionState);
}

// A track reference per snapshot entry (a received track or one of our
// publications) and participant, so an unchanged track keeps its reference.
const trackRefs = new WeakMap();

function trackRef(entry, participant) {
  const cached = trackRefs.get(entry);
  if (cached && cached.participant === participant) return cached.ref;
  const ref = participant
    ? Object.freeze({
      local: false, participant, publication: entry.publication, track: entry.track, stream: entry.stream,
      kind: entry.kind, source: entry.source, muted: entry.muted,
    })
    : Object.freeze({
      local: true, participant: null, publication: entry.publication, track: entry.track, stream: null,
      kind: entry.kind, source: entry.source, muted: entry.muted,
    });
  trackRefs.set(entry, { participant, ref });
  return ref;
}

function tracksOf(snapshot, sources, kind, local) {
  const wanted = (t) => (sources === null || sources.includes(t.source)) && (kind === undefined || t.kind === kind);
  const out = [];
  if (local) for (const p of snapshot.localPublications) if (wanted(p)) out.push(trackRef(p, null));
  for (const participant of snapshot.participants) {
    for (const t of participant.tracks) if (wanted(t)) out.push(trackRef(t, participant));
  }
  return out;
}

/**
 * Our published tracks and the received ones, filtered by `source` (one or
 * a list) and `kind`, each `{ local, participant, publication, track,
 * stream, kind, source, muted }` (`participant` null for ours). The same
 * array until one of them changes.
 */
export function useTracks({ source, kind, local = true } = {}) {
  const store = useStore();
  const sources = source === undefined ? null : [source].flat();
  const key = JSON.stringify([sources, kind ?? null, local]);
  const cache = useRef(null);
  const select = () => {
    const snapshot = store.getSnapshot();
    const c = cache.current;
    if (c && c.snapshot === snapshot && c.key === key) return c.result;
    const next = tracksOf(snapshot, sources, kind, local);
    const same = c && c.result.length === next.length && next.every((t, i) => t === c.result[i]);
    const result = same ? c.result : Object.freeze(next);
    cache.current = { snapshot, key, result };
    return result;
  };
  return useSyncExternalStore(store.subscribe, select, select);
}

const IDLE = Object.freeze({ pending: false, error: null });
const SOURCES = ['camera', 'microphone', 'screen'];

/**
 * Our camera, microphone and screen with their state and toggles. Each is
 * `{ enabled, muted, published, pending, error, track, set(on), toggle() }`;
 * `set` and `toggle` never reject (a failure lands in `error`). `options.camera`
 * / `options.microphone` true: turned on once when the room is joined (once
 * also under StrictMode). Camera and microphone off mute (see
 * `room.setCameraEnabled`); the screen is published and unpublished.
 */
export function useLocalMedia(options = {}) {
  const store = useStore();
  const room = useSelect((s) => s.getSession().room);
  const local = useSelect((s) => s.getSnapshot().localPublications);
  const [ops, setOps] = useState(() => ({ camera: IDLE, microphone: IDLE, screen: IDLE }));
  const latest = useRef(options);
  const inFlight = useRef({ camera: 0, microphone: 0, screen: 0 });
  useEffect(() => { latest.current = options; });

  const media = useMemo(() => {
    const setOp = (source, op) => setOps((o) => (o[source] === op ? o : { ...o, [source]: op }));
    const apply = (source, on) => {
      const r = store.getSession().room;
      if (!r) return Promise.reject(new RtcroomError('not-joined', 'the room is not joined'));
      const o = latest.current ?? {};
      if (source === 'camera') return r.setCameraEnabled(on, o.cameraConstraints);
      if (source === 'microphone') return r.setMicrophoneEnabled(on, o.microphoneConstraints);
      const screen = r.localPublications.filter((p) => p.source === 'screen' || p.source === 'screen-audio');
      if (on) return screen.length > 0 ? Promise.resolve() : r.publishScreen(o.screenOptions);
      return Promise.all(screen.map((p) => r.unpublish(p.track)));
    };
    const run = (source, on) => {
      inFlight.current[source] += 1;
      setOp(source, { pending: true, error: null });
      const done = (error) => {
        inFlight.current[source] -= 1;
        setOp(source, inFlight.current[source] > 0 ? { pending: true, error } : (error ? { pending: false, error } : IDLE));
      };
      return apply(source, on).then(() => done(null), (e) => done(rtcroomError(e)));
    };
    const out = {};
    for (const source of SOURCES) {
      const pub = local.find((p) => p.source === source) ?? null;
      const published = pub !== null;
      const muted = published && pub.muted;
      const enabled = published && !muted;
      const op = ops[source];
      out[source] = Object.freeze({
        enabled, muted, published, pending: op.pending, error: op.error, track: pub?.track ?? null,
        set: (on) => run(source, !!on),
        toggle: () => run(source, !enabled),
      });
    }
    return Object.freeze(out);
  }, [store, local, ops]);

  const wantCamera = !!options.camera;
  const wantMicrophone = !!options.microphone;
  useEffect(() => {
    if (!room) return;
    // Under StrictMode this runs twice; the room's toggles run in turn, so
    // the second finds the device published and does nothing.
    if (wantCamera) media.camera.set(true);
    if (wantMicrophone) media.microphone.set(true);
    // Once per joined room: later changes of `media` or the options do not re-enable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [room]);
  return media;
}

/**
 * The latest `room.stats(participantId)` (see `ConnectionStats`), re-read
 * every `intervalMs` (default 1000; the SDK samples every 400 ms); null
 * until the first sample. The timer stops on unmount.
 */
export function useStats(participantId, intervalMs = 1000) {
  const room = useSelect((s) => s.getSession().room);
  const [stats, setStats] = useState(null);
  useEffect(() => {
    if (!room || typeof participantId !== 'string') { setStats(null); return undefined; }
    const read = () => { try { setStats(room.stats(participantId)); } catch { setStats(null); } };
    read();
    const timer = setInterval(read, intervalMs);
    return () => clearInterval(timer);
  }, [room, participantId, intervalMs]);
  return stats;
}

/** Plays `stream` or `track` in the element `ref` points at while mounted. */
function useSource(ref, stream, track) {
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    el.srcObject = stream ?? (track ? new MediaStream([track]) : null);
    return () => { el.srcObject = null; };
  }, [ref, stream, track]);
}

/**
 * Calls `onSizeChange({ width, height, visible, pixelRatio })` with the
 * element's rendered size (CSS pixels, ResizeObserver) and whether it can be
 * seen (IntersectionObserver, a non-empty box, the page not hidden), once
 * at first and then on every change. For adaptive stream: receive no more
 * pixels than are shown.
 */
function useRenderedSize(ref, onSizeChange) {
  const callback = useRef(onSizeChange);
  useEffect(() => { callback.current = onSizeChange; });
  const observe = typeof onSizeChange === 'function';
  useEffect(() => {
    const el = ref.current;
    if (!observe || !el) return undefined;
    let width = 0;
    let height = 0;
    let intersecting = false;
    let last = null;
    const report = () => {
      const visible = intersecting && width > 0 && height > 0 && document.visibilityState !== 'hidden';
      const next = { width, height, visible, pixelRatio: globalThis.devicePixelRatio || 1 };
      if (last && last.width === width && last.height === height && last.visible === visible && last.pixelRatio === next.pixelRatio) return;
      last = next;
      callback.current?.(Object.freeze(next));
    };
    const resize = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      width = Math.round(box.width);
      height = Math.round(box.height);
      report();
    });
    const intersection = new IntersectionObserver((entries) => {
      intersecting = entries[entries.length - 1].isIntersecting;
      report();
    });
    resize.observe(el);
    intersection.observe(el);
    document.addEventListener('visibilitychange', report);
    return () => {
      resize.disconnect();
      intersection.disconnect();
      document.removeEventListener('visibilitychange', report);
    };
  }, [ref, observe]);
}

/**
 * A `<video>` playing `stream` (or `track`), muted unless `muted={false}`;
 * other props go to the element. Detaches on unmount. `onSizeChange`
 * receives its rendered size and visibility (see useRenderedSize).
 * Adaptive stream: when it plays a video the provider's room receives, it
 * reports that size (device pixels) and visibility with
 * `room.setVideoSize`, so an SFU room receives no more than is shown and
 * nothing while hidden (a mesh room ignores it).
 */
export function VideoView({ stream, track, muted = true, onSizeChange, ...props }) {
  const ref = useRef(null);
  const { room } = useRoom();
  useSource(ref, stream, track);
  const video = track ?? stream?.getVideoTracks()[0] ?? null;
  const report = useMemo(() => {
    if (!room || !video) return onSizeChange;
    return (size) => {
      const received = room.snapshot.participants.some((p) => p.tracks.some((t) => t.track === video));
      if (received) {
        const { width, height, visible, pixelRatio } = size;
        try {
          room.setVideoSize(video, { width: width * pixelRatio, height: height * pixelRatio, visible });
        } catch {
          // The room left meanwhile, or no longer receives it: nothing to adapt.
        }
      }
      onSizeChange?.(size);
    };
  }, [room, video, onSizeChange]);
  useRenderedSize(ref, report);
  return createElement('video', { ref, autoPlay: true, playsInline: true, muted, ...props });
}

/**
 * An `<audio>` playing `stream` (or `track`); `volume` from 0 to 1. Other
 * props go to the element. Detaches on unmount (the element goes with it).
 */
export function AudioView({ stream, track, volume, ...props }) {
  const ref = useRef(null);
  useSource(ref, stream, track);
  useEffect(() => {
    if (ref.current && typeof volume === 'number') ref.current.volume = Math.min(1, Math.max(0, volume));
  }, [volume]);
  return createElement('audio', { ref, autoPlay: true, ...props });
}
