// Fixtures of the fault-injection specs: `call` builds a fresh topology
// (js/playwright-net.js, rtcroom/playwright's network faults) per test, starts the server in its namespace and one Chromium
// per participant in theirs, and tears all of it down afterwards — namespaces,
// nftables rules, processes (by PID) — whatever the outcome.
import { test as base, expect } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { Net, canRun } from '../../js/playwright-net.js';
import * as H from './harness.mjs';

export { expect, H };

/** Why the tier cannot run here (not root, no nft, no build), or null. */
export const unavailable = canRun() ?? H.missingBuild();

/** How long after a fault ends media must be back (decoded, right colour). */
export const RESUME_DEADLINE_MS = 15_000;

export function uniqueRoom(testInfo) {
  return `faults-${testInfo.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 30)}-${Date.now().toString(36)}`;
}

/**
 * Waits until `viewer` decodes a frame of `other`'s track (camera unless
 * `source` says otherwise) after wall time `after`, and shows `hex`.
 * Returns { firstFrameAt, colourAt } (wall ms); throws with the timeline if not
 * within `timeoutMs` of `after`.
 */
export async function expectMediaResumes(viewer, other, { after, hex = other.color, source = 'camera', timeoutMs = RESUME_DEADLINE_MS }) {
  const deadline = after + timeoutMs;
  let firstFrameAt = null;
  let track = null;
  let snap = null;
  while (Date.now() < deadline) {
    snap = await H.snapshot(viewer);
    track = H.tracksFrom(snap, other.id).find((t) => t.source === source || (source === 'camera' && t.source === null));
    firstFrameAt = track ? H.firstFrameAfter(track, after) : null;
    if (firstFrameAt) break;
    await H.sleep(100);
  }
  const colour = firstFrameAt
    ? await H.waitColor(viewer, { trackId: track.id }, hex, Math.max(1000, deadline - Date.now()))
    : { at: null, sample: null };
  if (!firstFrameAt || !colour.at) {
    snap = await H.snapshot(viewer);
    throw new Error(`${viewer.name} should decode ${other.name}'s ${source} video (#${hex}) within ${timeoutMs} ms after ` +
      `${new Date(after).toISOString()}: first new frame ${firstFrameAt ? `${Math.round(firstFrameAt - after)} ms` : 'none'}, ` +
      `last colour ${JSON.stringify(colour.sample)}, tracks ${JSON.stringify(H.tracksFrom(snap, other.id).map((t) => ({ id: t.id, source: t.source, frames: t.framesDecoded, lastFrameAt: t.lastFrameAt && Math.round(t.lastFrameAt - after) })))}\n` +
      `timeline: ${H.timeline(snap, after - 60_000).join(', ')}`);
  }
  return { firstFrameAt, colourAt: colour.at };
}

/** Logs a metric line (and attaches it) so the run shows what happened. */
export function report(testInfo, text) {
  console.log(`  [${testInfo.title.slice(0, 40)}] ${text}`);
  testInfo.annotations.push({ type: 'metric', description: text });
}

export const test = base.extend({
  // call.start({ impl, serverOptions, colors }) → [alice, bob]; call.net; call.server;
  // call.killServer(); call.restartServer().
  // call.startNodes({ serverOptions }) → [alice, bob] on two server nodes sharing a Redis
  // backplane (alice on call.nodes[0], bob on call.nodes[1], each knowing both URLs);
  // call.killNode(k).
  call: async ({}, use, testInfo) => {
    testInfo.skip(!!unavailable, `fault tier unavailable: ${unavailable}`);
    const net = new Net({ participants: 2 });
    const people = [];
    const logs = [];
    let server = null;
    let serverOptions = {};
    const serverLog = testInfo.outputPath('server.log');
    const nodes = [];
    const call = {
      net,
      people,
      nodes,
      get server() { return server; },
      async start({ impl = 'rtcroom', serverOptions: so = {}, colors = [H.RED, H.BLUE], names = ['alice', 'bob'] } = {}) {
        serverOptions = so;
        server = await H.startServer(net, serverOptions, serverLog);
        const room = uniqueRoom(testInfo);
        for (let i = 0; i < colors.length; i++) {
          people.push(await H.launchParticipant(net, i + 1, { impl, room, name: names[i], color: colors[i], logs }));
        }
        // Both directions up with the right colours before any fault.
        const start = Date.now();
        await Promise.all(people.flatMap((v) => people.filter((o) => o !== v).map((o) => expectMediaResumes(v, o, { after: start - 60_000, timeoutMs: 75_000 }))));
        await H.sleep(H.SETTLE_MS);
        return people;
      },
      async startNodes({ serverOptions: so = {}, colors = [H.RED, H.BLUE], names = ['alice', 'bob'] } = {}) {
        const redis = await H.startRedis(net, testInfo.outputPath('redis.log'));
        for (const [k, port] of [[0, H.NODE_PORTS[0]], [1, H.NODE_PORTS[1]]]) {
          nodes.push(await H.startServer(net, { ...so, port, redisUrl: redis.url, nodeId: `node-${k}` }, testInfo.outputPath(`node-${k}.log`)));
        }
        await H.waitBackplane(net, redis, nodes.length);
        const url = (n) => `ws://${net.serverAddr}:${n.port}/ws`;
        const room = uniqueRoom(testInfo);
        for (let i = 0; i < colors.length; i++) {
          // Participant i starts on node i and knows the other node as well.
          const home = nodes[i % nodes.length];
          const urls = [home, ...nodes.filter((n) => n !== home)].map(url);
          const origin = `http://${net.serverAddr}:${home.port}`;
          people.push(await H.launchParticipant(net, i + 1, { impl: 'rtcroom', room, name: names[i], color: colors[i], logs, origin, urls }));
        }
        const start = Date.now();
        await Promise.all(people.flatMap((v) => people.filter((o) => o !== v).map((o) => expectMediaResumes(v, o, { after: start - 60_000, timeoutMs: 75_000 }))));
        await H.sleep(H.SETTLE_MS);
        return people;
      },
      async killNode(k) { await H.killServer(nodes[k]); },
      async killServer() { await H.killServer(server); },
      async restartServer() { server = await H.startServer(net, serverOptions, serverLog); return server; },
    };
    try {
      await use(call);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        const dumps = await Promise.all(people.map(async (p) => ({
          name: p.name, id: p.id, killed: p.killed,
          snapshot: p.killed ? null : await H.snapshot(p).catch((e) => `unavailable: ${e.message}`),
        })));
        const file = testInfo.outputPath('participants.json');
        await writeFile(file, JSON.stringify({ ruleset: net.ruleset(), logs, dumps }, null, 1));
        await testInfo.attach('participants.json', { path: file, contentType: 'application/json' });
      }
      await Promise.all(people.map((p) => p.close()));
      net.destroySync();
    }
  },
});
