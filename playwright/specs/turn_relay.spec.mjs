// TURN through a real coturn (REST credentials, use-auth-secret) in the
// tier's private namespace: with the server's credentials a relay-only call
// connects and the right colours arrive; with expired credentials a
// relay-only participant never connects; credentials renewed by a resume
// reach the live connections, so an ICE restart after the first ones
// expired still gathers relay candidates.
import { fileURLToPath } from 'node:url';
import { test, expect, uniqueRoom, expectAllSeeEachOther, RED, BLUE } from '../fixtures.mjs';
import { startServer, defaultMounts } from '../global-setup.mjs';
import { startTurn, turnCredentials } from '../turn.mjs';

const TURN_SECRET = 'e2e-coturn-shared-secret';
const outDir = fileURLToPath(new URL('../test-results', import.meta.url));

test.describe('coturn', () => {
  let turn;
  let server;
  test.beforeAll(async () => {
    turn = await startTurn(TURN_SECRET, outDir);
    server = await startServer(defaultMounts(), outDir,
      ['--turn-url', turn.url, '--turn-secret', TURN_SECRET, '--turn-ttl', '10m']);
  });
  test.afterAll(async () => {
    await server?.stop();
    await turn?.stop();
  });

  test('a relay-only call with the welcome credentials connects through coturn and shows both colours', async ({ join }, testInfo) => {
    const room = uniqueRoom(testInfo);
    const a = await join({ baseURL: server.baseURL, room, name: 'a', color: RED, relay: true });
    const b = await join({ baseURL: server.baseURL, room, name: 'b', color: BLUE, relay: true });
    await expectAllSeeEachOther([a, b]);
    // Every local candidate of the connection is a relay one (the policy),
    // and the pair in use is relayed.
    const types = await a.page.evaluate(async (other) => {
      const stats = await window.rt.room.peerConnection(other).getStats();
      const byId = new Map([...stats.values()].map((s) => [s.id, s]));
      const transport = [...stats.values()].find((s) => s.type === 'transport');
      const pair = byId.get(transport?.selectedCandidatePairId);
      return { selected: byId.get(pair?.localCandidateId)?.candidateType,
        local: [...stats.values()].filter((s) => s.type === 'local-candidate').map((s) => s.candidateType) };
    }, b.id);
    expect(types.selected).toBe('relay');
    expect(new Set(types.local)).toEqual(new Set(['relay']));
    // The SDK's own stats say so too.
    await expect.poll(() => a.page.evaluate((other) => window.rt.room.stats(other)?.localCandidateType ?? null, b.id),
      { message: 'room.stats() names the relay candidate in use' }).toBe('relay');
  });

  test('a resume renews the live connections\' TURN credentials: an ICE restart after the first ones expired still relays', async ({ join }, testInfo) => {
    const room = uniqueRoom(testInfo);
    // Credentials valid for TTL_S from each welcome; a secret (with open
    // rooms) so that the restarted server accepts the clients' resume tokens.
    const TTL_S = 6;
    const args = ['--secret', 'turn-renewal', '--open-rooms',
      '--turn-url', turn.url, '--turn-secret', TURN_SECRET, '--turn-ttl', `${TTL_S}s`];
    let node = await startServer(defaultMounts(), outDir, args);
    try {
      const a = await join({ baseURL: node.baseURL, room, name: 'a', color: RED, relay: true });
      const b = await join({ baseURL: node.baseURL, room, name: 'b', color: BLUE, relay: true });
      const joinedAt = Date.now();
      await expectAllSeeEachOther([a, b]);
      // Past the first credentials' expiry (whole seconds, plus margin),
      // the server restarts on its port: both resume and get new ones.
      await a.page.waitForTimeout(Math.max(0, joinedAt + (TTL_S + 2) * 1000 - Date.now()));
      const port = new URL(node.baseURL).port;
      await node.stop();
      node = await startServer(defaultMounts(), outDir, [...args, '--addr', `127.0.0.1:${port}`]);
      for (const p of [a, b]) {
        await expect.poll(() => p.page.evaluate(() => window.rt.events
          .filter((e) => e.type === 'connection-state').map((e) => e.state).at(-1)),
        { message: `${p.name} resumes on the restarted server`, timeout: 10_000 }).toBe('reconnected');
      }
      // An ICE restart gathers again: with the renewed credentials coturn
      // allocates, and the restart completes through the relay.
      for (const [p, other] of [[a, b], [b, a]]) {
        await p.page.evaluate((id) => {
          window.relayAfterRestart = 0;
          window.turnErrors = [];
          const pc = window.rt.room.peerConnection(id);
          pc.addEventListener('icecandidate', (e) => { if (e.candidate?.type === 'relay') window.relayAfterRestart++; });
          pc.addEventListener('icecandidateerror', (e) => window.turnErrors.push(`${e.errorCode} ${e.errorText}`));
        }, other.id);
      }
      await a.page.evaluate((id) => window.rt.room.restartIce(id), b.id);
      for (const p of [a, b]) {
        await expect.poll(() => p.page.evaluate(() => window.relayAfterRestart),
          { message: `${p.name} gathers relay candidates after the restart`, timeout: 8_000 }).toBeGreaterThan(0);
      }
      const errors = await a.page.evaluate(() => window.turnErrors);
      testInfo.annotations.push({ type: 'turn errors after the restart', description: JSON.stringify(errors) });
      await expectAllSeeEachOther([a, b]);
      expect(await a.page.evaluate((id) => window.rt.room.peerConnection(id).connectionState, b.id)).toBe('connected');
    } finally {
      await node.stop();
    }
  });

  test('relay-only participants with expired credentials never connect', async ({ join }, testInfo) => {
    const room = uniqueRoom(testInfo);
    // Signed with the right secret (the scheme of server/src, computed here)
    // but an hour past their expiry. This test's server has no TURN flags,
    // so these are the only TURN credentials the pages have.
    const bare = await startServer(defaultMounts(), outDir);
    try {
      const expired = { urls: [turn.url], ...turnCredentials(TURN_SECRET, 'late', Math.floor(Date.now() / 1000) - 3600) };
      const a = await join({ baseURL: bare.baseURL, room, name: 'a', color: RED, relay: true, iceServers: [expired] });
      const b = await join({ baseURL: bare.baseURL, room, name: 'b', color: BLUE, relay: true, iceServers: [expired] });
      // ICE gathers no relay candidate, so the connection can never form:
      // within 12 s neither side reaches `connected`.
      await a.page.waitForTimeout(12_000);
      for (const [p, other] of [[a, b], [b, a]]) {
        const states = await p.page.evaluate((id) => window.rt.events
          .filter((e) => e.type === 'participant-state' && e.participant === id).map((e) => e.state), other.id);
        expect(states).not.toContain('connected');
        expect(await p.page.evaluate((id) => window.rt.room.peerConnection(id)?.connectionState, other.id)).not.toBe('connected');
      }
      // coturn refused the stale username: for use-auth-secret an expired
      // timestamp is reported as a user without credentials.
      expect(turn.log()).toMatch(/Cannot find credentials of user <\d+:late>/);
    } finally {
      await bare.stop();
    }
  });
});
