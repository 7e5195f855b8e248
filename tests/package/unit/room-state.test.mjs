// The room snapshot's rules (js/room-state.js, bundled into the package's
// index.js), with event payloads shaped as the driver sends them: the same
// object while nothing changes, one version per changing event, unchanged
// parts shared, everything frozen. The browser half (real events, React
// render counts) is tests/package/specs/hooks.spec.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_SNAPSHOT, nextSnapshot } from '../../../js/room-state.js';

const track = (id, kind) => ({ id, kind });
const stream = (id) => ({ id });
const info = (id, publications = [], meta = {}) => ({ id, name: id.toUpperCase(), meta, publications });
const pub = (id, kind, source, muted = false) => ({ id, kind, source, muted });

/** A call as the driver reports it: connected, A and B join, A's camera arrives. */
function call() {
  const camA = track('ta-cam', 'video');
  const streamA = stream('sa');
  const pubs = [pub('pa1', 'video', 'camera')];
  return [
    ['connection-state', { state: 'connected' }],
    ['participant-joined', info('a')],
    ['participant-joined', info('b')],
    ['participant-state', { participant: info('a'), state: 'connected' }],
    ['track', { participant: info('a', pubs), track: camA, stream: streamA, kind: 'video', source: 'camera', publication: 'pa1', muted: false }],
    ['quality-changed', { participant: info('a', pubs), quality: 'excellent' }],
    ['track-muted', { participant: info('a', [pub('pa1', 'video', 'camera', true)]), track: camA, stream: streamA, kind: 'video', source: 'camera', publication: 'pa1', muted: true }],
    ['track-published', { track: track('local-cam', 'video'), publication: 'local-cam', kind: 'video', source: 'camera' }],
  ];
}

function play(events, from = INITIAL_SNAPSHOT) {
  return events.reduce((s, [name, e]) => nextSnapshot(s, name, e), from);
}

test('every event that changes the room makes one new snapshot with version + 1', () => {
  let s = INITIAL_SNAPSHOT;
  for (const [name, e] of call()) {
    const next = nextSnapshot(s, name, e);
    assert.notEqual(next, s, name);
    assert.equal(next.version, s.version + 1, name);
    s = next;
  }
  assert.equal(s.connectionState, 'connected');
  assert.deepEqual(s.participants.map((p) => [p.id, p.name, p.state, p.quality, p.tracks.length]),
    [['a', 'A', 'connected', 'excellent', 1], ['b', 'B', 'connecting', null, 0]]);
  assert.deepEqual(s.participants[0].publications, [pub('pa1', 'video', 'camera', true)]);
  assert.equal(s.participants[0].tracks[0].muted, true);
  assert.equal(s.participants[0].tracks[0].publication, 'pa1');
  assert.deepEqual(s.localPublications.map((p) => [p.publication, p.source, p.muted]), [['local-cam', 'camera', false]]);
});

test('an event that changes nothing returns the very same snapshot', () => {
  const s = play(call());
  const [, , , , trackEvent, , muted, published] = call();
  // As the driver sends them now: with A's current publications.
  const current = info('a', [pub('pa1', 'video', 'camera', true)]);
  const state = ['participant-state', { participant: current, state: 'connected' }];
  const quality = ['quality-changed', { participant: current, quality: 'excellent' }];
  for (const [name, e] of [
    ['message', { from: info('a'), data: 'hi' }],
    ['warning', { code: 'candidate-failed', message: 'x' }],
    ['devices-changed', {}],
    ['state-changed', s],
    ['participant-updated', info('b')],
    state, quality, muted, published,
    ['participant-state', { participant: info('nobody'), state: 'failed' }],
    ['participant-left', { ...info('nobody'), reason: 'left' }],
    ['track-removed', { ...trackEvent[1], participant: info('b'), track: track('never', 'video') }],
  ]) {
    assert.equal(nextSnapshot(s, name, e), s, name);
  }
});

test('a change keeps every unchanged participant, publication list and track', () => {
  const s = play(call());
  const [a, b] = s.participants;
  const q = nextSnapshot(s, 'quality-changed', { participant: info('a', [pub('pa1', 'video', 'camera', true)]), quality: 'poor' });
  assert.equal(q.version, s.version + 1);
  assert.notEqual(q.participants, s.participants);
  assert.equal(q.participants[1], b, 'B untouched');
  assert.notEqual(q.participants[0], a);
  assert.equal(q.participants[0].quality, 'poor');
  assert.equal(q.participants[0].publications, a.publications, 'same publications: same array');
  assert.equal(q.participants[0].tracks, a.tracks);
  assert.equal(q.participants[0].meta, a.meta);
  assert.equal(q.localPublications, s.localPublications);
  // A local change leaves the participants array itself alone.
  const m = nextSnapshot(s, 'local-muted', { track: s.localPublications[0].track, muted: true });
  assert.equal(m.version, s.version + 1);
  assert.equal(m.participants, s.participants);
  assert.equal(m.localPublications[0].muted, true);
  assert.equal(m.localPublications[0].track, s.localPublications[0].track);
});

test('snapshots are frozen all the way down, and the events\' own payloads are not', () => {
  const events = call();
  const s = play(events);
  for (const o of [s, s.participants, s.participants[0], s.participants[0].meta, s.participants[0].publications,
    s.participants[0].publications[0], s.participants[0].tracks, s.participants[0].tracks[0], s.localPublications, s.localPublications[0]]) {
    assert.ok(Object.isFrozen(o));
  }
  assert.ok(!Object.isFrozen(events[4][1].participant.publications));
  assert.ok(!Object.isFrozen(events[1][1].meta));
});

test('metadata, unpublish, track removal, departure and disconnection', () => {
  let s = play(call());
  s = nextSnapshot(s, 'participant-updated', info('b', [], { role: 'host' }));
  assert.deepEqual(s.participants[1].meta, { role: 'host' });
  const same = nextSnapshot(s, 'participant-updated', info('b', [], { role: 'host' }));
  assert.equal(same, s, 'equal metadata in a new object changes nothing');
  const camA = s.participants[0].tracks[0];
  s = nextSnapshot(s, 'track-removed', { participant: info('a'), track: camA.track, stream: camA.stream, kind: 'video', source: 'camera', muted: false });
  assert.deepEqual(s.participants[0].tracks, []);
  assert.deepEqual(s.participants[0].publications, []);
  // A re-publication brings the same receiver back.
  s = nextSnapshot(s, 'track', { participant: info('a', [pub('pa2', 'video', 'camera')]), track: camA.track, stream: camA.stream, kind: 'video', source: 'camera', publication: 'pa2', muted: false });
  assert.deepEqual(s.participants[0].tracks.map((t) => [t.track.id, t.publication]), [['ta-cam', 'pa2']]);
  const newTrack = track('local-cam-2', 'video');
  s = nextSnapshot(s, 'local-track-replaced', { source: 'camera', track: newTrack });
  assert.equal(s.localPublications[0].track, newTrack);
  assert.equal(s.localPublications[0].publication, 'local-cam', 'a device switch keeps the publication');
  s = nextSnapshot(s, 'track-unpublished', { track: newTrack, publication: 'local-cam', kind: 'video', source: 'camera', reason: 'ended' });
  assert.deepEqual(s.localPublications, []);
  s = nextSnapshot(s, 'participant-left', { ...info('a'), reason: 'timeout' });
  assert.deepEqual(s.participants.map((p) => p.id), ['b']);
  s = nextSnapshot(s, 'connection-state', { state: 'reconnecting', reason: 'socket-lost' });
  assert.equal(s.connectionState, 'reconnecting');
  assert.equal(s.participants.length, 1, 'reconnecting keeps the participants');
  const before = s.version;
  s = nextSnapshot(s, 'connection-state', { state: 'disconnected', reason: 'left' });
  assert.deepEqual([s.connectionState, s.participants.length, s.localPublications.length, s.version], ['disconnected', 0, 0, before + 1]);
  assert.equal(nextSnapshot(s, 'connection-state', { state: 'disconnected', reason: 'left' }), s);
});
