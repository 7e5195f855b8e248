// rtcroom/react's hooks from the npm tarball, in development React under
// Vite's dev server and <StrictMode> (its double mount and double effects),
// two participants of tests/package/vite-app/hooks.html calling each other
// through the real server: one join and one publication per device under
// StrictMode, nothing left behind after unmount (rooms of the test hook,
// listeners, peer connections, sockets, captures, elements), useLocalMedia's
// toggles as the other side sees them, useTracks, <AudioView>,
// <VideoView onSizeChange>, and room.snapshot's versions and the renders
// they cause.
import { test, expect } from '@playwright/test';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const app = fileURLToPath(new URL('../../../target/package-test/vite-app/package.json', import.meta.url));
const { expectReceivingVideo, expectReceivingAudio, installFakeMedia } = await import(pathToFileURL(createRequire(app).resolve('rtcroom/playwright')).href);
const { ROOM_EVENTS } = await import(pathToFileURL(createRequire(app).resolve('rtcroom')).href);

const RED = 'ff2020';
const GREEN = '20e020';
const uniqueRoom = () => `hooks-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

// In the page before its scripts (after the fake camera): every WebSocket,
// RTCPeerConnection and captured track the page makes, and `theRoom()`, the
// page's room as the rtcroom test hook saw it join.
function instrument() {
  window.made = { sockets: [], pcs: [], captured: [] };
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws { constructor(...a) { super(...a); window.made.sockets.push(this); } };
  const Pc = window.RTCPeerConnection;
  // The package's import-time warm-up (README) calls between two rooms of
  // the page over relay-only connections with no TURN server: kept apart.
  window.made.warmUp = [];
  window.RTCPeerConnection = class extends Pc {
    constructor(...a) {
      super(...a);
      (this.getConfiguration().iceTransportPolicy === 'relay' ? window.made.warmUp : window.made.pcs).push(this);
    }
  };
  const md = navigator.mediaDevices;
  for (const name of ['getUserMedia', 'getDisplayMedia']) {
    const f = md[name].bind(md);
    md[name] = async (c) => { const s = await f(c); window.made.captured.push(...s.getTracks()); return s; };
  }
  window.theRoom = () => [...globalThis.__RTCROOM_TEST_HOOK__.rooms][0];
}

/** Opens hooks.html (dev server, StrictMode) as `name`; resolves once joined with camera and microphone on. */
async function open(browser, { room, colour, name }) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  await installFakeMedia(context, { colour, width: 320, height: 240 });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const ws = `${process.env.RTCROOM_BASE_URL.replace(/^http/, 'ws')}/ws`;
  await page.goto(`${process.env.RTCROOM_VITE_DEV_URL}/hooks.html?${new URLSearchParams({ room, ws, name, auto: '1' })}`);
  await expect(page.locator('#session')).toHaveAttribute('data-status', 'joined');
  for (const device of ['Camera', 'Microphone']) {
    await expect(page.getByRole('button', { name: device })).toHaveAttribute('aria-pressed', 'true');
  }
  const id = await page.locator('#session').getAttribute('data-id');
  return { context, page, id, errors, name };
}

/** Logs, in `p`'s page, the membership and track events of its room (window.log). */
async function logEvents(p) {
  await p.page.evaluate(() => {
    window.log = [];
    for (const n of ['participant-joined', 'participant-left', 'track', 'track-removed', 'track-muted', 'track-unmuted']) {
      theRoom().on(n, (e) => window.log.push({ type: n, id: e.participant?.id ?? e.id, ...(e.source ? { source: e.source } : {}) }));
    }
  });
}
const logOf = (p, id) => p.page.evaluate((who) => window.log.filter((e) => e.id === who), id);

async function withPair(browser, f) {
  const room = uniqueRoom();
  const opened = [];
  try {
    // Bob first, so his log sees every join and leave of Alice.
    const bob = await open(browser, { room, colour: GREEN, name: 'bob' });
    opened.push(bob);
    await logEvents(bob);
    const alice = await open(browser, { room, colour: RED, name: 'alice' });
    opened.push(alice);
    await f(alice, bob);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  } finally {
    await Promise.all(opened.map((p) => p.context.close()));
  }
}

test('under <StrictMode> one join and one publication per device; unmounting leaves no room, listener, peer connection, socket, capture or element', async ({ browser }) => {
  await withPair(browser, async (alice, bob) => {
    await Promise.all([
      expectReceivingVideo(bob.page, { from: alice.id, colour: RED }),
      expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN }),
    ]);
    const ws = `${process.env.RTCROOM_BASE_URL.replace(/^http/, 'ws')}/ws`;
    const made = () => alice.page.evaluate((url) => {
      const r = window.keptRoom ?? theRoom();
      return {
        sockets: window.made.sockets.filter((s) => s.url === url).map((s) => s.readyState),
        pcs: window.made.pcs.map((pc) => pc.connectionState),
        warmUpOpen: window.made.warmUp.filter((pc) => pc.connectionState !== 'closed').length,
        captured: window.made.captured.map((t) => `${t.kind}:${t.readyState}`).sort(),
        published: r.localPublications.map((p) => `${p.source}:${p.track.readyState}`).sort(),
        sameTracks: window.made.captured.every((t) => r.localPublications.some((p) => p.track === t)),
        listeners: r.listenerCount(),
        stateListeners: r.listenerCount('state-changed'),
        rooms: globalThis.__RTCROOM_TEST_HOOK__.rooms.size,
        elements: document.querySelectorAll('video, audio').length,
        state: r.state,
      };
    }, ws);
    // One join (one socket; Bob saw Alice arrive once), one capture per
    // device and each of them published: nothing captured and abandoned by
    // the double effect.
    const live = await made();
    expect(live).toMatchObject({
      sockets: [1 /* OPEN */], pcs: ['connected'], warmUpOpen: 0, captured: ['audio:live', 'video:live'],
      published: ['camera:live', 'microphone:live'], sameTracks: true, rooms: 1, state: 'joined',
    });
    const arrived = await logOf(bob, alice.id);
    expect(arrived.filter((e) => e.type === 'participant-joined')).toHaveLength(1);
    expect(arrived.filter((e) => e.type === 'track').map((e) => e.source).sort()).toEqual(['camera', 'microphone']);
    expect(arrived.filter((e) => e.type !== 'participant-joined' && e.type !== 'track')).toEqual([]);
    // The store's one listener on the room, however many components read it,
    // and however often they render.
    expect(live.stateListeners).toBe(1);
    expect(live.listeners).toBe(1);
    for (const width of [200, 240, 180]) await alice.page.evaluate((w) => window.app.set({ videoWidth: w }), width);
    await alice.page.evaluate(() => window.app.set({ audio: false, videos: false }));
    await alice.page.evaluate(() => window.app.set({ audio: true, videos: true }));
    await expect(alice.page.locator('#videos video')).toHaveCount(2); // our camera and Bob's
    expect(await alice.page.evaluate(() => theRoom().listenerCount())).toBe(1);

    // Unmount the provider: the room is left and nothing of it stays.
    await alice.page.evaluate(() => { window.keptRoom = theRoom(); window.app.set({ provider: false }); });
    await expect.poll(made).toEqual({
      sockets: [3 /* CLOSED */], pcs: ['closed'], warmUpOpen: 0, captured: ['audio:ended', 'video:ended'], published: [], sameTracks: false,
      listeners: 0, stateListeners: 0, rooms: 0, elements: 0, state: 'left',
    });
    await expect.poll(() => logOf(bob, alice.id).then((l) => l.filter((e) => e.type === 'participant-left')))
      .toEqual([{ type: 'participant-left', id: alice.id }]);
    expect(await alice.page.evaluate(() => window.keptRoom.snapshot.connectionState)).toBe('disconnected');
  });
});

test('useLocalMedia toggles camera, microphone and screen as the other side sees them; useTracks, <AudioView> and <VideoView onSizeChange> follow', async ({ browser }) => {
  await withPair(browser, async (alice, bob) => {
    const button = (p, name) => p.page.getByRole('button', { name });
    const remoteVideo = (p, from, source) => p.page.locator(`#videos video[data-participant="${from.id}"][data-source="${source}"]`);
    // useTracks: our camera and Bob's, each in a <VideoView>.
    await expect(alice.page.locator('#videos video[data-participant="local"][data-source="camera"]')).toHaveCount(1);
    await expect(remoteVideo(alice, bob, 'camera')).toHaveCount(1);
    await expectReceivingVideo(bob.page, { from: alice.id, colour: RED });

    // Camera off: muted (black frames), the others get track-muted and see it in their snapshot.
    await button(alice, 'Camera').click();
    await expect(button(alice, 'Camera')).toHaveAttribute('aria-pressed', 'false');
    await expect(button(alice, 'Camera')).toHaveAttribute('data-muted', 'true');
    await expect(button(alice, 'Camera')).toHaveAttribute('data-pending', 'false');
    await expect(remoteVideo(bob, alice, 'camera')).toHaveAttribute('data-muted', 'true');
    await expect(bob.page.locator(`figure[data-participant="${alice.id}"]`)).toHaveAttribute('data-muted', 'camera');
    // Camera on again: unmuted, the same publication and track, frames again.
    await button(alice, 'Camera').click();
    await expect(button(alice, 'Camera')).toHaveAttribute('aria-pressed', 'true');
    await expect(remoteVideo(bob, alice, 'camera')).toHaveAttribute('data-muted', 'false');
    await expectReceivingVideo(bob.page, { from: alice.id, colour: RED });
    expect((await logOf(bob, alice.id)).filter((e) => e.source === 'camera').map((e) => e.type))
      .toEqual(['track', 'track-muted', 'track-unmuted']);

    // Microphone off and on.
    await button(alice, 'Microphone').click();
    await expect(button(alice, 'Microphone')).toHaveAttribute('aria-pressed', 'false');
    await expect(bob.page.locator(`figure[data-participant="${alice.id}"]`)).toHaveAttribute('data-muted', 'microphone');
    await button(alice, 'Microphone').click();
    await expect(button(alice, 'Microphone')).toHaveAttribute('aria-pressed', 'true');
    await expect(bob.page.locator(`figure[data-participant="${alice.id}"]`)).toHaveAttribute('data-muted', '');

    // Screen on: published (getDisplayMedia), listed by useTracks on both sides; off: gone on both.
    await button(alice, 'Screen').click();
    await expect(button(alice, 'Screen')).toHaveAttribute('aria-pressed', 'true');
    await expect(alice.page.locator('#videos video[data-participant="local"][data-source="screen"]')).toHaveCount(1);
    await expect(remoteVideo(bob, alice, 'screen')).toHaveCount(1);
    await button(alice, 'Screen').click();
    await expect(button(alice, 'Screen')).toHaveAttribute('aria-pressed', 'false');
    await expect(button(alice, 'Screen')).toHaveAttribute('data-published', 'false');
    await expect(alice.page.locator('#videos video[data-source="screen"]')).toHaveCount(0);
    await expect(remoteVideo(bob, alice, 'screen')).toHaveCount(0);
    expect((await logOf(bob, alice.id)).filter((e) => e.source === 'screen').map((e) => e.type)).toEqual(['track', 'track-removed']);
    expect(await alice.page.evaluate(() => theRoom().localPublications.map((p) => p.source))).toEqual(['camera', 'microphone']);

    // <AudioView>: Bob's microphone plays in one <audio> on Alice's page.
    await expectReceivingAudio(alice.page, { from: bob.id });
    const audio = () => alice.page.evaluate(() => [...document.querySelectorAll('audio')].map((a) => ({
      participant: a.dataset.participant, paused: a.paused, tracks: a.srcObject?.getAudioTracks().map((t) => t.readyState) ?? [],
      time: a.currentTime,
    })));
    await expect.poll(async () => (await audio()).map(({ time, ...a }) => a)).toEqual([{ participant: bob.id, paused: false, tracks: ['live'] }]);
    const t0 = (await audio())[0].time;
    await expect.poll(async () => (await audio())[0].time).toBeGreaterThan(t0);
    // Unmounted: its element is gone and was detached from the track.
    await alice.page.evaluate(() => { window.keptAudio = document.querySelector('audio'); window.app.set({ audio: false }); });
    await expect.poll(() => alice.page.evaluate(() => ({
      elements: document.querySelectorAll('audio').length, connected: window.keptAudio.isConnected, src: window.keptAudio.srcObject,
    }))).toEqual({ elements: 0, connected: false, src: null });

    // <VideoView onSizeChange>: rendered size, then resized, then scrolled out of view.
    const size = () => alice.page.evaluate(() => {
      const id = document.querySelector('#videos video[data-participant]:not([data-participant="local"])').dataset.track;
      return window.app.sizes[id];
    });
    await expect.poll(size).toEqual({ width: 160, height: 120, visible: true, pixelRatio: 1 });
    // Adaptive stream: it also tells the room (setVideoSize, a no-op in a
    // mesh), for the received tracks only.
    await alice.page.evaluate(() => {
      const room = theRoom();
      const real = room.setVideoSize.bind(room);
      window.videoSizes = [];
      room.setVideoSize = (track, view) => { window.videoSizes.push({ track: track.id, ...view }); return real(track, view); };
    });
    const told = () => alice.page.evaluate(() => window.videoSizes);
    const bobTrack = await alice.page.evaluate(() => document.querySelector('#videos video[data-participant]:not([data-participant="local"])').dataset.track);
    await alice.page.evaluate(() => window.app.set({ videoWidth: 240 }));
    await expect.poll(size).toEqual({ width: 240, height: 180, visible: true, pixelRatio: 1 });
    await alice.page.evaluate(() => { document.getElementById('videos').style.marginTop = '10000px'; });
    await expect.poll(size).toEqual({ width: 240, height: 180, visible: false, pixelRatio: 1 });
    await alice.page.evaluate(() => { document.getElementById('videos').style.marginTop = ''; });
    await expect.poll(size).toEqual({ width: 240, height: 180, visible: true, pixelRatio: 1 });
    await expect.poll(told).toEqual([
      { track: bobTrack, width: 240, height: 180, visible: true },
      { track: bobTrack, width: 240, height: 180, visible: false },
      { track: bobTrack, width: 240, height: 180, visible: true },
    ]);
  });
});

test('room.snapshot: the same object while nothing changes, one version per changing event, state-changed once per batch; React re-renders only what changed', async ({ browser }) => {
  await withPair(browser, async (alice, bob) => {
    await expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN });
    // Alice records, at every event, how far the snapshot moved since the
    // previous one; at every state-changed, what it reports; and the
    // renders from here on.
    await alice.page.evaluate(({ names, bobId }) => {
      const r = theRoom();
      let last = r.snapshot;
      window.rec = { events: [], notified: [], start: r.snapshot, bobId };
      for (const n of names.filter((x) => x !== 'state-changed')) {
        r.on(n, () => {
          const s = r.snapshot;
          window.rec.events.push({ n, bump: s.version - last.version, same: s === last, reads: r.snapshot === s && r.participants === s.participants && r.localPublications === s.localPublications });
          last = s;
        });
      }
      r.on('state-changed', (s) => window.rec.notified.push(s));
      window.app.renders = {};
    }, { names: ROOM_EVENTS, bobId: bob.id });
    expect(ROOM_EVENTS).toContain('state-changed');

    // Bob: a message (changes nothing), camera off and on, new metadata.
    await bob.page.evaluate(async () => {
      const r = theRoom();
      r.send('hello');
      await r.setCameraEnabled(false);
      await new Promise((f) => setTimeout(f, 300));
      await r.setCameraEnabled(true);
      r.updateMeta({ role: 'host' });
    });
    await expect.poll(() => alice.page.evaluate(() => window.rec.events.map((e) => e.n).filter((n) => ['message', 'track-muted', 'track-unmuted', 'participant-updated'].includes(n))))
      .toEqual(['message', 'track-muted', 'track-unmuted', 'participant-updated']);
    // Let the last batch's renders commit.
    await alice.page.evaluate(() => new Promise((f) => requestAnimationFrame(() => setTimeout(f, 50))));

    const result = await alice.page.evaluate(() => {
      const r = theRoom();
      const { events, notified, start, bobId } = window.rec;
      const changes = { tiles: 0, bob: 0, local: 0, connection: 0 };
      let prev = start;
      for (const s of notified) {
        if (s.participants !== prev.participants) changes.tiles += 1;
        if (s.participants.find((p) => p.id === bobId) !== prev.participants.find((p) => p.id === bobId)) changes.bob += 1;
        if (s.localPublications !== prev.localPublications) changes.local += 1;
        if (s.connectionState !== prev.connectionState) changes.connection += 1;
        prev = s;
      }
      return {
        events,
        versions: notified.map((s) => s.version),
        lastNotifiedIsCurrent: notified.at(-1) === r.snapshot,
        bumps: r.snapshot.version - start.version,
        stable: r.snapshot === r.snapshot && r.participants === r.participants,
        bobMeta: r.participants.find((p) => p.id === bobId)?.meta,
        changes,
        renders: window.app.renders,
      };
    });
    // Every event moved the snapshot by one version or (changing nothing) by none.
    for (const e of result.events) {
      expect(e.bump === 1 || (e.bump === 0 && e.same), JSON.stringify(e)).toBe(true);
      expect(e.reads, JSON.stringify(e)).toBe(true);
    }
    const bumpOf = (n) => result.events.filter((e) => e.n === n).map((e) => e.bump);
    expect(bumpOf('message')).toEqual([0]);
    expect(bumpOf('track-muted')).toEqual([1]);
    expect(bumpOf('track-unmuted')).toEqual([1]);
    expect(bumpOf('participant-updated')).toEqual([1]);
    expect(result.bumps).toBe(result.events.reduce((n, e) => n + e.bump, 0));
    // state-changed: increasing versions, at most one per change, the last one current.
    expect(result.versions).toEqual([...result.versions].sort((a, b) => a - b));
    expect(new Set(result.versions).size).toBe(result.versions.length);
    expect(result.versions.length).toBeGreaterThanOrEqual(3);
    expect(result.versions.length).toBeLessThanOrEqual(result.bumps);
    expect(result.lastNotifiedIsCurrent).toBe(true);
    expect(result.stable).toBe(true);
    expect(result.bobMeta).toEqual({ role: 'host' });
    // Renders: nothing for what did not change (the connection, our own
    // controls), at most one per notification for what did, at least one.
    expect(result.changes.connection).toBe(0);
    expect(result.renders.connection ?? 0).toBe(0);
    expect(result.changes.local).toBe(0);
    expect(result.renders.controls ?? 0).toBe(0);
    expect(result.changes.bob).toBeGreaterThanOrEqual(3);
    expect(result.renders[`tile:${bob.id}`]).toBeGreaterThanOrEqual(1);
    expect(result.renders[`tile:${bob.id}`]).toBeLessThanOrEqual(result.changes.bob);
    expect(result.renders.tiles ?? 0).toBeGreaterThanOrEqual(1);
    expect(result.renders.tiles ?? 0).toBeLessThanOrEqual(result.changes.tiles);

    // Our own mute: one version, our publications change, the participants array does not.
    const before = await alice.page.evaluate(() => { const s = theRoom().snapshot; window.before = s; window.app.renders = {}; window.rec.events = []; return s.version; });
    await alice.page.getByRole('button', { name: 'Microphone' }).click();
    await expect(alice.page.getByRole('button', { name: 'Microphone' })).toHaveAttribute('aria-pressed', 'false');
    const after = await alice.page.evaluate(() => {
      const s = theRoom().snapshot;
      return {
        mic: s.localPublications.find((p) => p.source === 'microphone').muted,
        camera: s.localPublications.find((p) => p.source === 'camera') === window.before.localPublications.find((p) => p.source === 'camera'),
        participantsMoved: s.participants !== window.before.participants,
        renders: window.app.renders,
        version: s.version,
        // Versions that the other side's events moved meanwhile (quality, state…).
        remote: window.rec.events.reduce((n, e) => n + e.bump, 0),
      };
    });
    expect(after.mic).toBe(true);
    expect(after.camera).toBe(true);
    expect(after.version).toBe(before + 1 + after.remote);
    expect(after.renders.controls).toBeGreaterThanOrEqual(1);
    expect(after.renders.connection ?? 0).toBe(0);
    if (!after.participantsMoved) expect(after.renders.tiles ?? 0).toBe(0);
  });
});
