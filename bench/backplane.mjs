// Failover with the real SDK (root only): two rtcroom-server nodes on a real
// Redis in the fault topology (js/playwright-net.js), alice on node 0 and bob
// on node 1, each page joined with both URLs; node 0 is SIGKILLed mid-call.
// Per trial (fresh topology): kill → alice's `connection-state reconnected`
// (her socket on node 1), the longest video freeze each way over the
// failover, and whether bob saw her leave. The protocol-level figures of
// the same bench (relay latency, failover of a bare client) come from
// bench/load/src/backplane.rs; scripts/bench merges both under `backplane`.
//
//   BENCH_SKIP_BUILD=1 BACKPLANE_SDK_TRIALS=3 node bench/backplane.mjs
// Env: BACKPLANE_SDK_TRIALS (5), BACKPLANE_SDK_OUT (bench/results/backplane-sdk.json).
import fs from 'node:fs';
import path from 'node:path';
import { Net, canRun } from '../js/playwright-net.js';
import * as H from '../playwright/faults/harness.mjs';

const TRIALS = Number.parseInt(process.env.BACKPLANE_SDK_TRIALS || '5', 10);
const OUT = process.env.BACKPLANE_SDK_OUT || path.join(H.ROOT, 'bench/results/backplane-sdk.json');
const log = (s) => console.error(s);
const r1 = (x) => Math.round(x * 10) / 10;
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => { const s = sorted(xs); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p95 = (xs) => { const s = sorted(xs); return s[Math.max(1, Math.ceil(0.95 * s.length)) - 1]; };
const stat = (xs) => ({ median: r1(median(xs)), p95: r1(p95(xs)), max: r1(Math.max(...xs)), n: xs.length, samples: xs.map(r1) });

/** Until `viewer` decodes `other`'s video. */
async function waitVideo(viewer, other, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const t = H.tracksFrom(await H.snapshot(viewer), other.id)[0];
    if (t?.framesDecoded > 10) return;
    await H.sleep(100);
  }
  throw new Error(`${viewer.name} never decoded ${other.name}'s video`);
}

async function trial(k) {
  const net = new Net({ participants: 2 });
  const people = [];
  try {
    const redis = await H.startRedis(net);
    const nodes = [];
    for (const [i, port] of H.NODE_PORTS.entries()) {
      nodes.push(await H.startServer(net, { port, redisUrl: redis.url, nodeId: `node-${i}`, resumeGraceSecs: 30 }));
    }
    await H.waitBackplane(net, redis, 2);
    const url = (n) => `ws://${net.serverAddr}:${n.port}/ws`;
    const room = `bp-sdk-${Date.now().toString(36)}-${k}`;
    for (const [i, [name, color]] of [['alice', H.RED], ['bob', H.BLUE]].entries()) {
      const home = nodes[i];
      people.push(await H.launchParticipant(net, i + 1, {
        impl: 'rtcroom', room, name, color,
        origin: `http://${net.serverAddr}:${home.port}`,
        urls: [home, ...nodes.filter((n) => n !== home)].map(url),
      }));
    }
    const [alice, bob] = people;
    await waitVideo(alice, bob);
    await waitVideo(bob, alice);
    await H.sleep(H.SETTLE_MS);
    await H.killServer(nodes[0]);
    const killAt = Date.now();
    let resumedAt = null;
    while (!resumedAt && Date.now() < killAt + 15_000) {
      resumedAt = H.firstEvent(await H.snapshot(alice), { type: 'connection-state', state: 'reconnected' }, killAt)?.t ?? null;
      if (!resumedAt) await H.sleep(20);
    }
    // Past the node timeout (3.5 s): bob's node has declared node 0 dead.
    await H.sleep(5_000);
    const until = Date.now();
    const freeze = {};
    for (const [v, o] of [[alice, bob], [bob, alice]]) {
      const t = H.tracksFrom(await H.snapshot(v), o.id)[0];
      freeze[`${v.name}_from_${o.name}`] = H.longestFreeze(t, killAt, until);
    }
    const left = !!H.firstEvent(await H.snapshot(bob), { type: 'participant-left' });
    return { failover_ms: resumedAt === null ? null : Math.max(0, resumedAt - killAt), freeze, left };
  } finally {
    await Promise.all(people.map((p) => p.close()));
    net.destroySync();
  }
}

const why = canRun() ?? H.missingBuild();
if (why) {
  log(`backplane SDK bench skipped: ${why}`);
  process.exit(0);
}
const results = [];
for (let k = 0; k < TRIALS; k++) {
  const r = await trial(k);
  log(`  trial ${k}: failover ${r.failover_ms === null ? 'never' : `${Math.round(r.failover_ms)} ms`}, longest freeze ${Object.values(r.freeze).map((f) => Math.round(f)).join(' / ')} ms${r.left ? ', participant-left SEEN' : ''}`);
  results.push(r);
}
const ok = results.filter((r) => r.failover_ms !== null);
const out = {
  what: 'real SDK in Chromium (Room.join([node0, node1])): SIGKILL of node 0 → connection-state reconnected on node 1',
  trials: TRIALS,
  resumed: ok.length,
  failover_ms: ok.length ? stat(ok.map((r) => r.failover_ms)) : null,
  longest_freeze_ms: stat(results.flatMap((r) => Object.values(r.freeze))),
  participant_left_seen: results.filter((r) => r.left).length,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify({ failover_sdk: out }, null, 2) + '\n');
log(`wrote ${OUT}: failover median ${out.failover_ms?.median} ms, p95 ${out.failover_ms?.p95} ms; longest freeze median ${out.longest_freeze_ms.median} ms`);
