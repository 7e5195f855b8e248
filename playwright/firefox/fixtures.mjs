// The Chromium ↔ Firefox pair of a spec: Chromium participants from the e2e
// fixtures (call.html, a solid-colour canvas), Firefox participants through
// gecko.mjs on the same page, the room's roles (polite = the smaller id, see
// src/core/peer), and readings of the pages' signaling logs.
import { writeFile } from 'node:fs/promises';
import { participant, diagnose, test as base, expect } from '../fixtures.mjs';
import { firefoxBrowser } from './gecko.mjs';

export { expect };

/** Firefox's fake camera: a solid bright green frame (TOOLCHAIN.md). */
export const FIREFOX_GREEN = '00ff00';

/**
 * Runs in each page before its scripts: the WebSocket class call.js (and
 * so the SDK) uses can hold incoming frames (`__signaling.hold()`) and
 * deliver them later in order (`__signaling.release()`). Holding both sides
 * while each publishes makes their offers cross for certain (glare), where
 * starting at one instant only makes it likely.
 */
export function holdableSignaling() {
  const Native = globalThis.WebSocket;
  let held = null;
  const released = new WeakSet();
  class HoldableWebSocket extends Native {
    constructor(...args) {
      super(...args);
      // Registered before any listener of the page or the SDK: it runs first.
      this.addEventListener('message', (e) => {
        if (held && !released.has(e)) {
          e.stopImmediatePropagation();
          held.push([this, e.data]);
        }
      });
    }
  }
  globalThis.WebSocket = HoldableWebSocket;
  globalThis.__signaling = Object.freeze({
    hold() { held = held ?? []; },
    release() {
      const frames = held ?? [];
      held = null;
      for (const [ws, data] of frames) {
        const e = new MessageEvent('message', { data });
        released.add(e);
        ws.dispatchEvent(e);
      }
      return frames.length;
    },
  });
}

/**
 * `pair({ room, politeBrowser })` → `{ chromium, firefox }`, each a
 * participant of fixtures.mjs (`page`, `id`, `name`) that joined `room`
 * without publishing, with holdableSignaling; `politeBrowser` ('chromium' | 'firefox') is the
 * polite one. Ids come from the server's connection numbers (`p12-…`), so
 * the first to join is polite unless the two straddle a power of ten
 * (`p9-…` > `p10-…`): then the pair joins again.
 */
export const test = base.extend({
  pair: async ({ browser, baseURL }, use, testInfo) => {
    const opened = [];
    const open = async (b, options) => {
      const p = await participant(b, baseURL, options);
      opened.push(p);
      return p;
    };
    try {
      await use(async ({ room, politeBrowser }) => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const order = politeBrowser === 'firefox' ? ['firefox', 'chromium'] : ['chromium', 'firefox'];
          const made = {};
          for (const which of order) {
            const b = which === 'firefox' ? firefoxBrowser : browser;
            made[which] = await open(b, { room: `${room}-${attempt}`, name: which, publish: false, initScript: holdableSignaling });
          }
          const polite = made.chromium.id < made.firefox.id ? 'chromium' : 'firefox';
          if (polite === politeBrowser) return made;
          for (const p of Object.values(made)) await p.context.close().catch(() => {});
        }
        throw new Error(`could not give ${politeBrowser} the polite role in 3 joins`);
      });
    } finally {
      if (testInfo.status !== testInfo.expectedStatus && opened.length) {
        const dumps = await Promise.all(opened.map((p) => p.page.evaluate(() => window.rt.dump())
          .catch((e) => ({ name: p.name, id: p.id, dumpFailed: e.message }))));
        const file = testInfo.outputPath('participants.json');
        await writeFile(file, JSON.stringify(dumps, null, 2));
        await testInfo.attach('participants.json', { path: file, contentType: 'application/json' });
        for (const line of diagnose(dumps)) console.log(`diagnosis: ${line}`);
      }
      await Promise.all(opened.map((p) => p.context.close().catch(() => {})));
    }
  },
});

/**
 * The descriptions a page sent (`->`) and received (`<-`) from its
 * signaling log (call.js), in order, from entry `from` on:
 * `[{dir, type, ufrag}]`.
 */
export async function descriptions(page, from = 0) {
  const wire = await page.evaluate(() => window.rt.wire);
  return wire.slice(from).flatMap((line) => {
    // Key order differs: the SDK sends kind, type, sdp; the server relays kind, sdp, type.
    const dir = /^\d+ (->|<-) /.exec(line)?.[1];
    if (!dir || !line.includes('"kind":"description"')) return [];
    const type = /"type":"(offer|answer|pranswer|rollback)"/.exec(line)?.[1];
    const ufrag = /"sdp":"<\d+ chars, ufrag ([^,]*),/.exec(line)?.[1];
    return [{ dir, type, ufrag }];
  });
}

/** Entries in the page's signaling log so far (a mark for `descriptions`). */
export function wireLength(page) {
  return page.evaluate(() => window.rt.wire.length);
}

/**
 * The offers crossed (glare) as `page` saw it: it received an offer while
 * its own offer was waiting for an answer.
 */
export function sawGlare(seen) {
  let waiting = false;
  for (const d of seen) {
    if (d.dir === '->' && d.type === 'offer') waiting = true;
    else if (d.dir === '<-' && d.type === 'answer') waiting = false;
    else if (d.dir === '<-' && d.type === 'offer' && waiting) return true;
  }
  return false;
}

/** The ICE ufrags of the page's current local and remote description towards `otherId`. */
export function ufrags(page, otherId) {
  return page.evaluate((id) => {
    const pc = window.rt.room.peerConnection(id);
    const u = (d) => (d && /a=ice-ufrag:(\S+)/.exec(d.sdp)?.[1]) ?? null;
    return { local: u(pc?.localDescription), remote: u(pc?.remoteDescription), connection: pc?.connectionState, signaling: pc?.signalingState };
  }, otherId);
}
