// Where the main thread's time goes during call setup: CPU profiles (CDP
// Profiler, 100 µs sampling) of both participants of N calls per page, from
// join start to the first remote frame, as main-thread busy ms per
// participant and the functions with the most self time; with PROFILE_INCLUSIVE=1
// also inclusive time per function (readable with a wasm that keeps its
// name section, e.g. wasm-bindgen output before wasm-opt: PROFILE_PKG=dir).
// Sampling slows wasm more than JS: compare shapes, not absolute figures
// (bench/run.mjs measures time).
//
//   scripts/lib.sh's in_loopback_netns node bench/profile.mjs
//   Env: PROFILE_CALLS (default 6), PROFILE_PAGES (default rtcroom,baseline),
//        PROFILE_PKG (default pkg/), PROFILE_TOP (default 25)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.PROFILE_CALLS || 6);
const PAGES = (process.env.PROFILE_PAGES || 'rtcroom,baseline').split(',');
const PKG = process.env.PROFILE_PKG || path.join(ROOT, 'pkg');
const TOP = Number(process.env.PROFILE_TOP || 25);
const ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox',
  '--disable-gpu', '--allow-loopback-in-peer-connection', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];

const server = spawn(path.join(ROOT, 'target/release/rtcroom-server'),
  ['--addr', '127.0.0.1:0', '--mount', `/pkg=${PKG}`, '--mount', `/bench=${path.join(ROOT, 'bench/pages')}`],
  { stdio: ['ignore', 'pipe', 'ignore'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  server.on('exit', (code) => reject(new Error(`server exited (${code})`)));
  server.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
const self = {}; const incl = {}; const busy = {};
try {
  for (let i = 0; i < CALLS; i++) {
    for (const page of PAGES) {
      self[page] ??= {}; incl[page] ??= {}; busy[page] ??= 0;
      const parts = [];
      for (let k = 0; k < 2; k++) {
        const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
        const p = await context.newPage();
        await p.goto(`${base}/bench/${page}.html`);
        await p.waitForFunction(() => window.benchReady === true);
        const cdp = await context.newCDPSession(p);
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        parts.push({ context, page: p, cdp });
      }
      for (const p of parts) await p.cdp.send('Profiler.start');
      const room = `profile-${page}-${i}-${Date.now().toString(36)}`;
      await Promise.all(parts.map(({ page: p }, k) => p.evaluate(([r, n]) => window.benchStart(r, n), [room, `p${k}`])));
      await Promise.all(parts.map(({ page: p }) => p.waitForFunction(() => window.__benchResult, null, { timeout: 8000, polling: 20 })));
      // Stop both before closing either: a closing context changes what the other does.
      const profiles = [];
      for (const p of parts) profiles.push((await p.cdp.send('Profiler.stop')).profile);
      for (const p of parts) await p.context.close();
      for (const profile of profiles) {
        const byId = new Map(profile.nodes.map((n) => [n.id, n]));
        const parent = new Map();
        for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n);
        const counts = new Map();
        for (const s of profile.samples) counts.set(s, (counts.get(s) || 0) + 1);
        const dt = (profile.endTime - profile.startTime) / profile.samples.length / 1000;
        for (const [id, c] of counts) {
          const n = byId.get(id);
          const f = n.callFrame;
          if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
          const name = (fn) => (fn.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}$/, '');
          const key = `${name(f)} ${f.url.split('/').pop()}`;
          self[page][key] = (self[page][key] || 0) + c * dt;
          busy[page] += c * dt;
          const seen = new Set();
          for (let cur = n; cur; cur = parent.get(cur.id)) {
            const k = name(cur.callFrame);
            if (!seen.has(k)) { seen.add(k); incl[page][k] = (incl[page][k] || 0) + c * dt; }
          }
        }
      }
    }
  }
  const per = (ms) => (ms / CALLS / 2).toFixed(2).padStart(8);
  for (const page of PAGES) {
    console.log(`\n== ${page}: main thread busy ${per(busy[page]).trim()} ms per participant (join start → first remote frame)`);
    for (const [k, ms] of Object.entries(self[page]).sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(per(ms), k);
    if (process.env.PROFILE_INCLUSIVE === '1') {
      console.log(`-- ${page}: inclusive`);
      for (const [k, ms] of Object.entries(incl[page]).sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(per(ms), k);
    }
  }
} finally {
  await browser.close().catch(() => {});
  server.kill();
}
