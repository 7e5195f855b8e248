// Shared helpers of the e2e specs: the `test` to import (its `baseURL` is the
// server the global setup started, and contexts opened through `join` are
// closed after each test), participants on the fixture page. Received video
// is checked with rtcroom/playwright's expectReceivingVideo (js/playwright.js,
// the package's own test helpers), so every run exercises them.
import { writeFile } from 'node:fs/promises';
import {
  test as base, expect, expectReceivingVideo, expectReceivingAudio, installRtcroomHook, TOLERANCE,
} from '../js/playwright.js';

export { expect, expectReceivingVideo, expectReceivingAudio, TOLERANCE };

/** Saturated, well separated colours (VP8 + YUV 4:2:0 shift them a bit). */
export const RED = 'ff2020';
export const GREEN = '20e020';
export const BLUE = '2040ff';
export const YELLOW = 'f0f020';

const contextOptions = { permissions: ['camera', 'microphone'], viewport: { width: 800, height: 600 } };

/** A room name no other test (or run) uses. */
export function uniqueRoom(testInfo, tag = '') {
  const slug = testInfo.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
  return `e2e-${slug}${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Opens call.html in a fresh browser context: joins `room` as `name`, and
 * unless `publish` is false publishes a canvas filled with `color`.
 * `permissions` are the context's (default camera + microphone; `[]` makes
 * Chromium hide host IPs in ICE candidates behind mDNS `.local` names).
 * `initScript` (a function) runs in the page before its scripts.
 * Resolves once joined (and published) with { context, page, id, name, color }.
 */
export async function participant(browser, baseURL, { room, name, color = RED, publish = true, permissions = contextOptions.permissions, token, relay = false, iceServers, adaptiveBitrate, initScript }) {
  const context = await browser.newContext({ ...contextOptions, permissions });
  // The hook rtcroom/playwright's assertions find the page's room through.
  await installRtcroomHook(context);
  // A spec's own instrumentation, in place before the page's scripts.
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[${name}] console.${m.type()}: ${m.text()}`);
  });
  const q = new URLSearchParams({ room, name, color });
  if (!publish) q.set('publish', '0');
  if (token) q.set('token', token);
  if (relay) q.set('relay', '1');
  if (iceServers) q.set('ice', JSON.stringify(iceServers));
  if (adaptiveBitrate === false) q.set('abr', '0');
  try {
    await page.goto(`${baseURL}/test/call.html?${q}`);
    await page.waitForFunction(() => window.rt && (window.rt.joined || window.rt.error), null, { timeout: 30_000 });
    const error = await page.evaluate(() => window.rt.error);
    if (error) throw new Error(`${name} could not join ${room}: ${error.code}: ${error.message}`);
    const id = await page.evaluate(() => window.rt.id);
    return { context, page, id, name, color };
  } catch (e) {
    await context.close().catch(() => {});
    throw e;
  }
}

/** Every participant sees every other one's colour. */
export async function expectAllSeeEachOther(people) {
  await Promise.all(people.flatMap((viewer) => people
    .filter((other) => other !== viewer)
    .map((other) => expectReceivingVideo(viewer.page, { from: other.id, colour: other.color }))));
}

/** Events of `page` matching every field of `match`. */
export async function events(page, match = {}) {
  const all = await page.evaluate(() => window.rt.events);
  return all.filter((e) => Object.entries(match).every(([k, v]) => e[k] === v));
}

/** Waits until `page` logged an event matching `match`; returns it. */
export async function waitForEvent(page, match, timeout = 30_000) {
  let found;
  await expect.poll(async () => {
    found = (await events(page, match))[0];
    return !!found;
  }, { message: `event ${JSON.stringify(match)}`, timeout, intervals: [50, 100, 250] }).toBe(true);
  return found;
}

/** Waits until `page`'s connection to `otherId` is 'connected'. */
export function waitConnected(page, otherId, timeout) {
  return waitForEvent(page, { type: 'participant-state', participant: otherId, state: 'connected' }, timeout);
}

/**
 * Names known failure signatures in rt.dump()s: peer connections that never
 * connected because one side's ICE gathering stalled with no candidate at all
 * (the Chromium glare/rollback stall, see README.md "Known SDK issues").
 */
export function diagnose(dumps) {
  const lines = [];
  for (const d of dumps) {
    for (const [otherId, pc] of Object.entries(d.peers ?? {})) {
      if (!pc || pc.connection === 'connected') continue;
      const local = pc.stats.filter((s) => s.startsWith('local-candidate')).length;
      const sent = (d.wire ?? []).filter((w) => w.includes(`"to":"${otherId}"`) && w.includes('"kind":"candidate"')).length;
      let line = `${d.name} (${d.id}) → ${pc.name} (${otherId}): connection ${pc.connection}, ICE ${pc.ice}, ` +
        `gathering ${pc.iceGathering}, ${local} local candidates, ${sent} sent, local ${pc.localType} ufrag ${pc.localUfrag}`;
      if (pc.iceGathering === 'gathering' && local === 0 && sent === 0) {
        line += ' — ICE gathering stalled without a single candidate: the glare/rollback stall';
      }
      lines.push(line);
    }
  }
  return lines;
}

export const test = base.extend({
  // The server the global setup started.
  baseURL: async ({}, use) => {
    const url = process.env.RTCROOM_BASE_URL;
    if (!url) throw new Error('RTCROOM_BASE_URL unset: run through playwright/playwright.config.mjs (its global setup starts the server)');
    await use(url);
  },
  // join({ room, name, color, publish, permissions, adaptiveBitrate, … }) → participant; closed after the test.
  // On failure every participant's rt.dump() (peer connections, ICE
  // candidates, events, signaling frames) is written to the test's output
  // directory as participants.json.
  // `options.baseURL` joins through another server (one a spec started).
  join: async ({ browser, baseURL }, use, testInfo) => {
    const opened = [];
    await use(async (options) => {
      const p = await participant(browser, options.baseURL ?? baseURL, options);
      opened.push(p);
      return p;
    });
    if (testInfo.status !== testInfo.expectedStatus && opened.length) {
      const dumps = await Promise.all(opened.map((p) => p.page.evaluate(() => window.rt.dump())
        .catch((e) => ({ name: p.name, id: p.id, dumpFailed: e.message }))));
      const file = testInfo.outputPath('participants.json');
      await writeFile(file, JSON.stringify(dumps, null, 2));
      await testInfo.attach('participants.json', { path: file, contentType: 'application/json' });
      for (const line of diagnose(dumps)) console.log(`diagnosis: ${line}`);
    }
    await Promise.all(opened.map((p) => p.context.close().catch(() => {})));
  },
  // A fresh context on its own, for pages other than call.html.
  newPage: async ({ browser }, use) => {
    const opened = [];
    await use(async () => {
      const context = await browser.newContext(contextOptions);
      opened.push(context);
      return context.newPage();
    });
    await Promise.all(opened.map((c) => c.close().catch(() => {})));
  },
});
