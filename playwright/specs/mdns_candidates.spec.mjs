// Calls between contexts whose ICE host candidates are hidden behind mDNS
// `<uuid>.local` names: Chromium does that for a page that has no camera or
// microphone permission (these contexts publish the canvas track, they never
// call getUserMedia). rtcroom must pass such candidates through unchanged.
//
// NETWORK REQUIREMENT. Without media permission Chromium does not enumerate
// network interfaces at all: it only gathers a host candidate on the local
// address of the default route (found by "connecting" a UDP socket to a public
// address) and hides that address behind an mDNS name. In the tier's usual
// loopback-only namespace (`unshare -n` + `ip link set lo up`) there is no
// default route, so such a context gathers NO candidate: its ICE gathering
// stays `gathering` forever (checked with bare RTCPeerConnections too, no
// rtcroom involved), so there is no socket to send or answer checks from and
// no peer-reflexive fallback can happen. Browser flags do not help:
// `--disable-features=WebRtcHideLocalIpsWithMdns` only makes gathering
// complete with zero candidates, and a default route through `lo` is not
// used either. The namespace needs a non-loopback interface carrying the
// default route (nothing needs to answer on it), e.g.:
//
//   unshare -n sh -c 'ip link set lo up &&
//     ip link add v0 type veth peer name v1 && ip addr add 10.99.0.1/24 dev v0 &&
//     ip link set v0 up && ip link set v1 up && ip route add default via 10.99.0.2 &&
//     exec node_modules/.bin/playwright test --config playwright/playwright.config.mjs'
//
// There both participants of one worker share a browser, whose mDNS
// responder answers its own names, so the `.local` candidates resolve and the
// selected pairs are host ↔ host. Each test fails early with a message naming
// this requirement when the permission-less side gathers nothing.
import { test, expect, expectReceivingVideo, RED, GREEN, BLUE, YELLOW, uniqueRoom } from '../fixtures.mjs';

const NO_PERMISSIONS = [];

/**
 * The ICE candidates `from` signalled to `toId`, parsed from its log of
 * outgoing signaling frames (what rtcroom actually sent, not what the
 * browser gathered): [{ type, address, port, protocol }].
 */
async function sentCandidates(from, toId) {
  const wire = await from.page.evaluate(() => window.rt.wire);
  return wire
    .filter((w) => / -> /.test(w) && w.includes(`"to":"${toId}"`) && w.includes('"kind":"candidate"'))
    .map((w) => /"candidate":"candidate:\S+ \d+ (\w+) \d+ (\S+) (\d+) typ (\w+)/.exec(w))
    .filter(Boolean)
    .map(([, protocol, address, port, type]) => ({ type, address, port: Number(port), protocol }));
}

/** Candidate types of the pair ICE selected on `viewer`'s connection to `otherId` (getStats). */
async function selectedPair(viewer, otherId) {
  return viewer.page.evaluate(async (id) => {
    const pc = window.rt.room.peerConnection(id);
    if (!pc) return null;
    const byId = new Map();
    (await pc.getStats()).forEach((r) => byId.set(r.id, r));
    const reports = [...byId.values()];
    const transport = reports.find((r) => r.type === 'transport' && r.selectedCandidatePairId);
    const pair = transport && byId.get(transport.selectedCandidatePairId);
    const local = pair && byId.get(pair.localCandidateId);
    const remote = pair && byId.get(pair.remoteCandidateId);
    return {
      local: local && { type: local.candidateType, address: local.address, protocol: local.protocol },
      remote: remote && { type: remote.candidateType, address: remote.address, protocol: remote.protocol },
      localCandidates: reports.filter((r) => r.type === 'local-candidate').map((r) => `${r.candidateType} ${r.address}:${r.port}`),
      remoteCandidates: reports.filter((r) => r.type === 'remote-candidate').map((r) => `${r.candidateType} ${r.address}:${r.port}`),
    };
  }, otherId);
}

/** Waits until `from` has signalled at least one candidate to `to`; returns them all. */
async function waitForSentCandidates(from, to) {
  let sent = [];
  await expect.poll(async () => {
    sent = await sentCandidates(from, to.id);
    return sent.length > 0;
  }, {
    message: `${from.name} should signal ICE candidates to ${to.name}`,
    timeout: 15_000,
    intervals: [100, 250, 500],
  }).toBe(true).catch(async (e) => {
    const gathering = await from.page.evaluate((id) => window.rt.room.peerConnection(id)?.iceGatheringState ?? null, to.id)
      .catch((err) => `unavailable: ${err.message}`);
    throw new Error(`${e.message}\n${from.name}'s ICE gathering towards ${to.name}: ${gathering}. ` +
      'Without camera/microphone permission Chromium only gathers on the local address of the default route; ' +
      'this network namespace needs a non-loopback interface carrying the default route (see the top of this spec).');
  });
  return sent;
}

const MDNS_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.local$/i;

function expectOnlyMdnsHosts(who, sent) {
  const hosts = sent.filter((c) => c.type === 'host');
  expect(hosts.length, `${who} signalled host candidates`).toBeGreaterThan(0);
  for (const c of hosts) expect(c.address, `${who}'s host candidate address`).toMatch(MDNS_NAME);
}

function expectOnlyRawIpHosts(who, sent) {
  const hosts = sent.filter((c) => c.type === 'host');
  expect(hosts.length, `${who} signalled host candidates`).toBeGreaterThan(0);
  for (const c of hosts) {
    expect(c.address, `${who}'s host candidate address`).not.toMatch(/\.local$/i);
    expect(c.address, `${who}'s host candidate address`).toMatch(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i);
  }
}

async function attachIce(testInfo, people) {
  const report = {};
  for (const p of people) {
    const other = people.find((o) => o !== p);
    report[p.name] = { sent: await sentCandidates(p, other.id), selected: await selectedPair(p, other.id) };
  }
  await testInfo.attach('ice.json', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  return report;
}

test('call connects when both sides only have mDNS host candidates', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const alice = await join({ room, name: 'alice', color: RED, permissions: NO_PERMISSIONS });
  const bob = await join({ room, name: 'bob', color: GREEN, permissions: NO_PERMISSIONS });

  expectOnlyMdnsHosts('alice', await waitForSentCandidates(alice, bob));
  expectOnlyMdnsHosts('bob', await waitForSentCandidates(bob, alice));

  await Promise.all([
    expectReceivingVideo(alice.page, { from: bob.id, colour: GREEN }),
    expectReceivingVideo(bob.page, { from: alice.id, colour: RED }),
  ]);

  // Gathering is over once media flows: nothing but `.local` hosts was signalled.
  expectOnlyMdnsHosts('alice', await sentCandidates(alice, bob.id));
  expectOnlyMdnsHosts('bob', await sentCandidates(bob, alice.id));
  await attachIce(testInfo, [alice, bob]);
});

test('mixed: one side with mDNS candidates, one side with raw IPs', async ({ join }, testInfo) => {
  const room = uniqueRoom(testInfo);
  const raw = await join({ room, name: 'raw', color: BLUE }); // camera + microphone permission
  const hidden = await join({ room, name: 'hidden', color: YELLOW, permissions: NO_PERMISSIONS });

  expectOnlyRawIpHosts('raw', await waitForSentCandidates(raw, hidden));
  expectOnlyMdnsHosts('hidden', await waitForSentCandidates(hidden, raw));

  await Promise.all([
    expectReceivingVideo(raw.page, { from: hidden.id, colour: YELLOW }),
    expectReceivingVideo(hidden.page, { from: raw.id, colour: BLUE }),
  ]);

  expectOnlyRawIpHosts('raw', await sentCandidates(raw, hidden.id));
  expectOnlyMdnsHosts('hidden', await sentCandidates(hidden, raw.id));
  await attachIce(testInfo, [raw, hidden]);
});
