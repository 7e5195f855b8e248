// rtcroom/react — React bindings over the Room facade: a versioned snapshot
// store built from the room's events, read with useSyncExternalStore.
// Types in react.d.ts. Safe under <StrictMode> (its simulated unmount and
// remount reuse the join in progress instead of joining twice) and in SSR
// (nothing joins on the server; hooks return the empty snapshot).
import {
  createContext, createElement, useContext, useEffect, useRef, useState, useSyncExternalStore,
} from 'react';
import { Room, RtcroomError } from './index.js';

const EMPTY = Object.freeze([]);

/**
 * The state of one room as immutable snapshots: each change makes a new
 * snapshot object with `version` + 1; unchanged participants keep their
 * identity, so components can compare by reference.
 */
export class RoomStore {
  #listeners = new Set();
  #offs = [];
  #snapshot = Object.freeze({
    version: 0,
    /** `joining`, `joined`, `left` or `failed` (the join rejected: see `error`). */
    status: 'joining',
    error: null,
    room: null,
    /** The room's signaling connection (`connection-state`), `connecting` until joined. */
    connectionState: 'connecting',
    participants: EMPTY,
  });

  subscribe = (fn) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };

  getSnapshot = () => this.#snapshot;

  /** Number of subscribed listeners (components), for tests and debugging. */
  get listenerCount() { return this.#listeners.size; }

  #set(changes) {
    this.#snapshot = Object.freeze({ ...this.#snapshot, ...changes, version: this.#snapshot.version + 1 });
    for (const fn of [...this.#listeners]) fn();
  }

  #updateParticipant(id, f, create) {
    const list = this.#snapshot.participants;
    const i = list.findIndex((p) => p.id === id);
    if (i < 0 && !create) return;
    const before = i < 0 ? Object.freeze({ id, name: null, meta: {}, publications: EMPTY, state: 'connecting', quality: null, tracks: EMPTY }) : list[i];
    const after = Object.freeze({ ...before, ...f(before) });
    const participants = i < 0 ? [...list, after] : list.map((p, j) => (j === i ? after : p));
    this.#set({ participants: Object.freeze(participants) });
  }

  /** Starts following `room` (joined). */
  attach(room) {
    const participants = room.participants.map((p) => Object.freeze({
      id: p.id, name: p.name, meta: p.meta, publications: p.publications, state: 'connecting', quality: null, tracks: EMPTY,
    }));
    this.#set({ status: 'joined', room, connectionState: 'connected', participants: Object.freeze(participants) });
    const on = (name, fn) => this.#offs.push(room.on(name, fn));
    const info = ({ id, name, meta, publications }) => ({ id, name, meta, publications });
    on('participant-joined', (p) => this.#updateParticipant(p.id, () => info(p), true));
    on('participant-updated', (p) => this.#updateParticipant(p.id, () => info(p), true));
    on('participant-left', ({ id }) => {
      const participants = this.#snapshot.participants.filter((p) => p.id !== id);
      if (participants.length !== this.#snapshot.participants.length) this.#set({ participants: Object.freeze(participants) });
    });
    on('participant-state', ({ participant, state }) => this.#updateParticipant(participant.id, () => ({ state }), false));
    on('quality-changed', ({ participant, quality }) => this.#updateParticipant(participant.id, () => ({ quality }), false));
    on('track', ({ participant, track, stream, kind, source, muted }) => this.#updateParticipant(participant.id, (p) => ({
      tracks: Object.freeze([...p.tracks.filter((t) => t.track.id !== track.id), Object.freeze({ track, stream, kind, source, muted })]),
      publications: participant.publications,
    }), true));
    const mute = ({ participant, track, muted }) => this.#updateParticipant(participant.id, (p) => ({
      tracks: Object.freeze(p.tracks.map((t) => (t.track.id === track.id ? Object.freeze({ ...t, muted }) : t))),
      publications: participant.publications,
    }), false);
    on('track-muted', mute);
    on('track-unmuted', mute);
    on('track-removed', ({ participant, track }) => this.#updateParticipant(participant.id, (p) => ({
      tracks: Object.freeze(p.tracks.filter((t) => t.track.id !== track.id)),
    }), false));
    on('connection-state', ({ state }) => {
      this.#set(state === 'disconnected'
        ? { connectionState: state, status: 'left', room: null, participants: EMPTY }
        : { connectionState: state });
    });
  }

  /** The join failed. */
  fail(error) { this.#set({ status: 'failed', error, connectionState: 'disconnected' }); }

  /** Stops following the room (its listeners are removed). */
  detach() {
    for (const off of this.#offs.splice(0)) off();
    if (this.#snapshot.status !== 'failed') this.#set({ status: 'left', room: null, connectionState: 'disconnected', participants: EMPTY });
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
      if (!this.#closed) this.store.fail(e instanceof RtcroomError ? e : new RtcroomError('browser-error', String(e), { cause: e }));
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
    this.store.detach();
    this.room?.leave().catch(() => {});
    this.room = null;
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

/** The provider's snapshot (re-renders on every change). */
export function useRoomSnapshot() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

function useSelect(select) {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getSnapshot()), () => select(store.getSnapshot()));
}

/** `{ room, status, error }` of the provider's room (`room` is null until joined). */
export function useRoom() {
  const room = useSelect((s) => s.room);
  const status = useSelect((s) => s.status);
  const error = useSelect((s) => s.error);
  return { room, status, error };
}

/** The other participants, each with `state` and its received `tracks`. */
export function useParticipants() {
  return useSelect((s) => s.participants);
}

/** The room's signaling connection: `connecting`, `connected`, `reconnecting`, `reconnected`, `disconnected`. */
export function useConnectionState() {
  return useSelect((s) => s.connectionState);
}

/**
 * The latest `room.stats(participantId)` (see `ConnectionStats`), re-read
 * every `intervalMs` (default 1000; the SDK samples every 400 ms); null
 * until the first sample. The timer stops on unmount.
 */
export function useStats(participantId, intervalMs = 1000) {
  const room = useSelect((s) => s.room);
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

/**
 * A `<video>` playing `stream` (or `track`), muted unless `muted={false}`;
 * other props go to the element. Detaches on unmount.
 */
export function VideoView({ stream, track, muted = true, ...props }) {
  const ref = useRef(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return undefined;
    video.srcObject = stream ?? (track ? new MediaStream([track]) : null);
    return () => { video.srcObject = null; };
  }, [stream, track]);
  return createElement('video', { ref, autoPlay: true, playsInline: true, muted, ...props });
}
