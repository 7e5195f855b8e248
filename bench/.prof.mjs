// scratch: CPU profile of both pages during setup, summed self time by function
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { chromium } from 'playwright';
const ROOT = '/work/main';
const ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox',
  '--disable-gpu', '--allow-loopback-in-peer-connection', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];
const child = spawn(`${ROOT}/target/release/rtcroom-server`, ['--addr', '127.0.0.1:0', '--mount', `/pkg=${ROOT}/pkg`, '--mount', `/bench=${ROOT}/bench/pages`], { stdio: ['ignore', 'pipe', 'ignore'] });
const base = await new Promise((r) => { let o = ''; child.stdout.on('data', (d) => { o += d; const m = o.match(/listening on (http:\/\/\S+)/); if (m) r(m[1]); }); });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
const N = Number(process.env.N || 6);
const stacks = {};
const agg = { rtcroom: {}, baseline: {} }; const total = { rtcroom: 0, baseline: 0 };
for (let i = 0; i < N; i++) for (const impl of ['rtcroom', 'baseline']) {
  const parts = [];
  for (let k = 0; k < 2; k++) {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    await context.addInitScript(() => {
      window.__closes = [];
      const Pc = RTCPeerConnection;
      window.RTCPeerConnection = class extends Pc { constructor(...a) { super(...a); this.addEventListener('icecandidate', (e) => window.__closes.push('cand ' + (e.candidate && e.candidate.candidate))); } };
      for (const C of [RTCPeerConnection, RTCDataChannel, WebSocket, MediaStreamTrack]) {
        const orig = C.prototype.close || C.prototype.stop; const name = C.prototype.close ? 'close' : 'stop';
        C.prototype[name] = function (...a) { window.__closes.push(`${C.name}.${name} ${performance.now().toFixed(0)} ${(this.label ?? this.url ?? '')}`); return orig.apply(this, a); };
      }
    });
    const page = await context.newPage();
    await page.goto(`${base}/bench/${impl}.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    parts.push({ context, page, cdp });
  }
  for (const p of parts) await p.cdp.send('Profiler.start');
  const room = `r${i}${impl}${Date.now()}`;
  await Promise.all(parts.map(({ page }, k) => page.evaluate(([r, n]) => window.benchStart(r, n), [room, `p${k}`])));
  await Promise.all(parts.map(({ page }) => page.waitForFunction(() => window.__benchResult, null, { timeout: 8000, polling: 20 })));
  for (const p of parts) {
    const { profile } = await p.cdp.send('Profiler.stop');
    if (i === 0) console.log(impl, await p.page.evaluate(() => JSON.stringify([window.__closes, window.__benchResult.counts, window.__benchResult.marks.join_start - performance.timeOrigin, window.__benchResult.marks.first_frame - performance.timeOrigin, window.__benchResult.notes])));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map(); for (const n of profile.nodes) for (const ch of n.children || []) parent.set(ch, n);
    const counts = new Map(); for (const s of profile.samples) counts.set(s, (counts.get(s) || 0) + 1);
    const dt = (profile.endTime - profile.startTime) / profile.samples.length / 1000;
    for (const [id, c] of counts) { const n = byId.get(id); const f = n.callFrame; const name = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
      agg[impl][name] = (agg[impl][name] || 0) + c * dt; total[impl] += c * dt;
      if (impl === 'rtcroom' && ['close', 'addIceCandidate', 'setTimeout', 'send'].includes(f.functionName)) {
        const chain = []; let cur = n; for (let j = 0; j < 8 && cur; j++) { chain.push(cur.callFrame.functionName || '(anon)'); cur = parent.get(cur.id); }
        const key = chain.join(' < '); stacks[key] = (stacks[key] || 0) + c * dt;
      } }
    await p.context.close();
  }
}
for (const impl of ['rtcroom', 'baseline']) {
  console.log(`== ${impl}: busy ms per participant ${(total[impl] / N / 2).toFixed(1)}`);
  const top = Object.entries(agg[impl]).sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [n, ms] of top) console.log((ms / N / 2).toFixed(2).padStart(8), n);
}
for (const [k, v] of Object.entries(stacks).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / N / 2).toFixed(2).padStart(8), k);
await browser.close(); child.kill();
