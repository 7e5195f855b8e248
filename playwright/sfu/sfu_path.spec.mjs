// Media-path recovery in an SFU room on a real Janus, in real Chromium:
// every UDP packet in the namespace (all media, both directions; the
// WebSocket to Janus is TCP and stays up) is dropped until both sides have
// seen the loss (~8 s).
// The subscriber sees its publisher `reconnecting` then `connected`
// (`recovered`), each connection went through an ICE restart (new
// credentials: Janus's restart offer for the subscriber, our new offer for
// the publisher), and frames decode again.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { COLOURS } from '../../js/playwright.js';
import { sfuParticipant, leave } from './fixtures.mjs';

const TABLE = 'rtcroom_sfu_path';
const blackholeUdp = () => execFileSync('nft', ['-f', '-'], {
  input: `table inet ${TABLE} {\n chain input {\n  type filter hook input priority 0; policy accept;\n  meta l4proto udp drop\n }\n}\n`,
});
const restoreUdp = () => execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' });
/** Drops UDP to and from one Janus port (one connection's path). */
const blackholePort = (port) => execFileSync('nft', ['-f', '-'], {
  input: `table inet ${TABLE} {\n chain input {\n  type filter hook input priority 0; policy accept;\n  udp sport ${port} drop\n  udp dport ${port} drop\n }\n}\n`,
});
/** Janus's port on the selected candidate pair of connection `id`. */
const janusPort = (p, id) => p.page.evaluate(async (id) => {
  const stats = await window.rt.room.peerConnection(id).getStats();
  let pair = null;
  stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  return pair ? stats.get(pair.remoteCandidateId)?.port ?? null : null;
}, id);
const ufrag = (p, id, which) => p.page.evaluate(([id, which]) => /a=ice-ufrag:(\S+)/.exec(window.rt.room.peerConnection(id)?.[which]?.sdp ?? '')?.[1] ?? null, [id, which]);
const decoded = (p, from) => p.page.evaluate(async (id) => (await window.rt.probe(id))?.framesDecoded ?? 0, from);
const events = (p, type) => p.page.evaluate((type) => window.rt.events.filter((e) => e.type === type).map((e) => `${e.participant ?? ''}:${e.state}:${e.reason ?? ''}`), type);

test('a media path to Janus lost for seconds comes back through ICE restarts on both connections, and the participant says so', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1248, name: 'alice', colour: COLOURS[1] });
  const bob = await sfuParticipant(browser, { room: 1248, name: 'bob', publish: false });
  try {
    await expect.poll(() => decoded(bob, alice.id), { timeout: 20_000 }).toBeGreaterThan(30);
    await expect.poll(() => events(bob, 'participant-state')).toEqual([`${alice.id}:connected:`]);
    // Steady traffic for the stall detector (3 samples of growth).
    await bob.page.waitForTimeout(1500);
    const before = {
      sub: await ufrag(bob, 'sfu-subscriber', 'remoteDescription'),
      pub: await ufrag(alice, 'sfu-publisher', 'localDescription'),
    };
    blackholeUdp();
    try {
      // Bob's subscriber connection sees its media stop (1.2 s); Alice's
      // publisher connection receives next to nothing from Janus, so ICE
      // tells it (disconnected after ~7 s, plus 1 s).
      await expect.poll(() => events(bob, 'participant-state'), { timeout: 5_000 })
        .toEqual([`${alice.id}:connected:`, `${alice.id}:reconnecting:media-stalled`]);
      await expect.poll(async () => (await events(alice, 'connection-state')).slice(1), { timeout: 15_000 })
        .toEqual([expect.stringMatching(/^:reconnecting:ice-(disconnected|failed)$/)]);
    } finally {
      restoreUdp();
    }
    await expect.poll(() => events(bob, 'participant-state'), { timeout: 20_000 })
      .toEqual([`${alice.id}:connected:`, `${alice.id}:reconnecting:media-stalled`, `${alice.id}:connected:recovered`]);
    const frames = await decoded(bob, alice.id);
    await expect.poll(() => decoded(bob, alice.id), { timeout: 10_000 }).toBeGreaterThan(frames + 15);
    // Both connections restarted ICE: new credentials on each.
    expect(await ufrag(bob, 'sfu-subscriber', 'remoteDescription')).not.toBe(before.sub);
    expect(await ufrag(alice, 'sfu-publisher', 'localDescription')).not.toBe(before.pub);
    // Alice's own media path: `reconnecting` then `reconnected`, once.
    await expect.poll(async () => (await events(alice, 'connection-state')).slice(1), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^:reconnecting:ice-(disconnected|failed)$/), ':reconnected:']);
  } finally {
    await leave(bob);
    await leave(alice);
  }
});

test('restartIce(participant) and restartIce("sfu-publisher") in an SFU room renew ICE credentials while the media keeps flowing; updateMeta is refused', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1249, name: 'alice', colour: COLOURS[2] });
  const bob = await sfuParticipant(browser, { room: 1249, name: 'bob', publish: false });
  try {
    await expect.poll(() => decoded(bob, alice.id), { timeout: 20_000 }).toBeGreaterThan(30);
    const sub = await ufrag(bob, 'sfu-subscriber', 'remoteDescription');
    const pub = await ufrag(alice, 'sfu-publisher', 'localDescription');
    await bob.page.evaluate((id) => window.rt.room.restartIce(id), alice.id);
    await alice.page.evaluate(() => window.rt.room.restartIce('sfu-publisher'));
    await expect.poll(() => ufrag(bob, 'sfu-subscriber', 'remoteDescription'), { timeout: 10_000 }).not.toBe(sub);
    await expect.poll(() => ufrag(alice, 'sfu-publisher', 'localDescription'), { timeout: 10_000 }).not.toBe(pub);
    const frames = await decoded(bob, alice.id);
    await expect.poll(() => decoded(bob, alice.id), { timeout: 10_000 }).toBeGreaterThan(frames + 15);
    // Nothing was lost: no state change told.
    expect(await events(bob, 'participant-state')).toEqual([`${alice.id}:connected:`]);
    const code = await bob.page.evaluate(() => { try { window.rt.room.updateMeta({ a: '1' }); return null; } catch (e) { return e.code; } });
    expect(code).toBe('unsupported');
  } finally {
    await leave(bob);
    await leave(alice);
  }
});

test('a publisher whose own path dies: the subscriber, whose path still answers ICE consent, does not restart; the publisher shows as lost', async ({ browser }) => {
  const alice = await sfuParticipant(browser, { room: 1251, name: 'alice', colour: COLOURS[3] });
  const bob = await sfuParticipant(browser, { room: 1251, name: 'bob', publish: false });
  try {
    await expect.poll(() => decoded(bob, alice.id), { timeout: 20_000 }).toBeGreaterThan(30);
    await bob.page.waitForTimeout(1500);
    const sub = await ufrag(bob, 'sfu-subscriber', 'remoteDescription');
    const port = await janusPort(alice, 'sfu-publisher');
    expect(port).not.toBeNull();
    blackholePort(port);
    try {
      // Bob's media stops (a stall), but his own path answers consent
      // checks: over without a restart, alice's quality is lost.
      await expect.poll(() => events(bob, 'participant-state'), { timeout: 15_000 })
        .toEqual([`${alice.id}:connected:`, `${alice.id}:reconnecting:media-stalled`, `${alice.id}:connected:recovered`]);
      await expect.poll(() => bob.page.evaluate((id) => window.rt.room.stats(id)?.quality, alice.id), { timeout: 10_000 }).toBe('lost');
      expect(await ufrag(bob, 'sfu-subscriber', 'remoteDescription')).toBe(sub);
    } finally {
      restoreUdp();
    }
    // Alice's path back (through her own recovery): bob decodes her again.
    const frames = await decoded(bob, alice.id);
    await expect.poll(() => decoded(bob, alice.id), { timeout: 30_000 }).toBeGreaterThan(frames + 15);
  } finally {
    await leave(bob);
    await leave(alice);
  }
});
