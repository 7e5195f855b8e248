// The room's state as immutable, versioned snapshots, derived from the
// driver's events (every change of the room model reaches the facade as an
// event) and from the facade's own calls that change our publications
// without one (setMuted, switchDevice). Pure: no browser API, so it is
// tested in Node (tests/package/unit). Bundled into index.js by the build.

const EMPTY = Object.freeze([]);

/** The snapshot before the first event: connecting, nobody, nothing published. */
export const INITIAL_SNAPSHOT = Object.freeze({
  version: 0,
  connectionState: 'connecting',
  localPublications: EMPTY,
  participants: EMPTY,
});

// Events that never change the snapshot.
const STATELESS = new Set(['message', 'warning', 'devices-changed', 'state-changed']);

function sameMeta(a, b) {
  if (a === b) return true;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function samePublication(a, b) {
  return a.id === b.id && a.kind === b.kind && a.source === b.source && a.muted === b.muted;
}

/** `next` with the objects of `prev` it equals, so unchanged parts keep their identity. */
function sharePublications(prev, next) {
  if (!Array.isArray(next)) return prev;
  if (prev.length === next.length && next.every((p, i) => samePublication(prev[i], p))) return prev;
  if (next.length === 0) return EMPTY;
  return Object.freeze(next.map((p) => prev.find((q) => samePublication(q, p))
    ?? Object.freeze({ id: p.id ?? null, kind: p.kind, source: p.source, muted: !!p.muted })));
}

/** A participant with what `info` (an event's participant) says, or `p` itself when nothing differs. */
function withInfo(p, info) {
  const name = info.name ?? null;
  const meta = info.meta && !sameMeta(p.meta, info.meta) ? Object.freeze({ ...info.meta }) : p.meta;
  const publications = sharePublications(p.publications, info.publications);
  if (name === p.name && meta === p.meta && publications === p.publications) return p;
  return Object.freeze({ ...p, name, meta, publications });
}

function newParticipant(id) {
  return Object.freeze({
    id, name: null, meta: Object.freeze({}), publications: EMPTY, state: 'connecting', quality: null, tracks: EMPTY,
  });
}

function set(p, key, value) {
  return p[key] === value ? p : Object.freeze({ ...p, [key]: value });
}

function receivedTrack({ track, stream, kind, source, publication, muted }) {
  return Object.freeze({ track, stream, kind, source, publication: publication ?? null, muted: !!muted });
}

/** `list` with the entry for which `find` is true replaced by `f(entry)` (removed if null). */
function replaceIn(list, find, f) {
  const i = list.findIndex(find);
  if (i < 0) return list;
  const after = f(list[i]);
  if (after === list[i]) return list;
  const out = after === null ? list.filter((_, j) => j !== i) : list.map((x, j) => (j === i ? after : x));
  return out.length === 0 ? EMPTY : Object.freeze(out);
}

/** The participants after `f` changed (or created, if `create`) participant `id`. */
function updateParticipant(participants, id, create, f) {
  const i = participants.findIndex((p) => p.id === id);
  if (i < 0 && !create) return participants;
  const before = i < 0 ? newParticipant(id) : participants[i];
  const after = f(before);
  if (i >= 0 && after === before) return participants;
  return Object.freeze(i < 0 ? [...participants, after] : participants.map((p, j) => (j === i ? after : p)));
}

/** The participants after one event about a remote participant (unchanged: the same array). */
function participantsAfter(participants, name, e) {
  switch (name) {
    case 'participant-joined':
    case 'participant-updated':
      return updateParticipant(participants, e.id, true, (p) => withInfo(p, e));
    case 'participant-left': {
      const out = participants.filter((p) => p.id !== e.id);
      if (out.length === participants.length) return participants;
      return out.length === 0 ? EMPTY : Object.freeze(out);
    }
    case 'participant-state':
      return updateParticipant(participants, e.participant.id, false, (p) => set(withInfo(p, e.participant), 'state', e.state));
    case 'quality-changed':
      return updateParticipant(participants, e.participant.id, false, (p) => set(withInfo(p, e.participant), 'quality', e.quality));
    case 'track':
      return updateParticipant(participants, e.participant.id, true, (p) => {
        const q = withInfo(p, e.participant);
        const tracks = Object.freeze([...q.tracks.filter((t) => t.track.id !== e.track.id), receivedTrack(e)]);
        return Object.freeze({ ...q, tracks });
      });
    case 'track-removed':
      return updateParticipant(participants, e.participant.id, false, (p) => {
        const q = withInfo(p, e.participant);
        return set(q, 'tracks', replaceIn(q.tracks, (t) => t.track.id === e.track.id, () => null));
      });
    case 'track-muted':
    case 'track-unmuted':
      return updateParticipant(participants, e.participant.id, false, (p) => {
        const q = withInfo(p, e.participant);
        const muted = name === 'track-muted';
        return set(q, 'tracks', replaceIn(q.tracks, (t) => t.track.id === e.track.id,
          (t) => (t.muted === muted ? t : Object.freeze({ ...t, muted }))));
      });
    default:
      return participants;
  }
}

function localAfter(local, name, e) {
  switch (name) {
    case 'track-published': {
      if (local.some((p) => p.publication === e.publication && p.track.id === e.track.id)) return local;
      const entry = Object.freeze({ track: e.track, publication: e.publication, kind: e.kind, source: e.source, muted: false });
      return Object.freeze([...local.filter((p) => p.publication !== e.publication), entry]);
    }
    case 'track-unpublished':
      return replaceIn(local, (p) => p.publication === e.publication, () => null);
    // The facade's own: setMuted succeeded ({ track, muted }).
    case 'local-muted':
      return replaceIn(local, (p) => p.track.id === e.track.id, (p) => set(p, 'muted', e.muted));
    // The facade's own: switchDevice replaced the track of a publication ({ source, track }).
    case 'local-track-replaced':
      return replaceIn(local, (p) => p.source === e.source, (p) => set(p, 'track', e.track));
    default:
      return local;
  }
}

/**
 * The snapshot after one event: `snapshot` itself when the event changes
 * nothing, otherwise a new frozen snapshot with `version + 1` that shares
 * every unchanged participant, publication and track.
 */
export function nextSnapshot(snapshot, name, e) {
  if (STATELESS.has(name) || !e || typeof e !== 'object') return snapshot;
  let { connectionState, participants, localPublications } = snapshot;
  if (name === 'connection-state') {
    connectionState = e.state;
    // Over (left or given up): nobody left to see, nothing sent.
    if (e.state === 'disconnected') { participants = EMPTY; localPublications = EMPTY; }
  } else {
    participants = participantsAfter(participants, name, e);
    localPublications = localAfter(localPublications, name, e);
  }
  if (connectionState === snapshot.connectionState && participants === snapshot.participants
      && localPublications === snapshot.localPublications) return snapshot;
  return Object.freeze({ version: snapshot.version + 1, connectionState, localPublications, participants });
}
