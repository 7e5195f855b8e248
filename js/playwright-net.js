// rtcroom/playwright — network faults for WebRTC (Playwright's offline mode
// does not touch WebRTC). Shipped in the package (imported by playwright.js)
// and used as is by rtcroom's own fault-injection tier and bench/recovery.mjs.
// Named network namespaces joined through a router namespace by veth pairs,
// faults applied in the router with nftables / tc, the app's server and one
// Chromium per participant running inside their own namespaces.
// Linux, root only (CAP_NET_ADMIN): `ip`, `nft` and `tc` (iproute2, nftables).
//
//   server ns  <prefix>s   eth0 10.77.0.2/24 ──┐
//   participant <prefix>p1 eth0 10.77.1.2/24 ──┤ router ns <prefix>r (ip_forward=1)
//   participant <prefix>p2 eth0 10.77.2.2/24 ──┘   l0 10.77.0.1, l1 10.77.1.1, l2 10.77.2.1
//
// Link N joins endpoint N (0 = server) to the router's interface `lN`.
// Every namespace name starts with `rf<pid>x`, the PID of the Node process
// that made it: `sweepStale()` deletes only those of PIDs that are dead.
// Everything is synchronous (execFileSync) so that process 'exit' handlers
// can clean up too. Root only (`canRun()` says why not). The kernel may lack
// netem (no delay or jitter): faults are nftables drops and tbf qdiscs.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SERVER_PORT = 8080;
const NFT_TABLE = 'rf';
let counter = 0;
const live = new Set(); // Net instances not yet destroyed, for the exit handlers

function sh(cmd, args, { input, quiet = false } = {}) {
  try {
    return execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    if (quiet) return null;
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message || '').trim()}`);
  }
}

/**
 * null when network faults can run here, else the reason they cannot (not
 * Linux, not root, `ip`/`nft`/`tc` missing, no browser at `executablePath`).
 */
export function canRun({ executablePath = '/usr/bin/chromium' } = {}) {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): network namespaces are a Linux feature`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)';
  for (const tool of ['ip', 'nft', 'tc']) {
    if (sh('sh', ['-c', `command -v ${tool}`], { quiet: true }) === null) return `\`${tool}\` is missing (apt-get install iproute2 nftables)`;
  }
  if (executablePath && !fs.existsSync(executablePath)) return `${executablePath} is missing`;
  return null;
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/** Kills the processes living in namespace `ns` (all of them were started by us), by PID. */
function killNamespacePids(ns) {
  const out = sh('ip', ['netns', 'pids', ns], { quiet: true }) || '';
  for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
}

/** Deletes `rf<pid>x…` namespaces left by crashed runs whose PID is dead. Returns their names. */
export function sweepStale() {
  const out = sh('ip', ['netns', 'list'], { quiet: true }) || '';
  const removed = [];
  for (const line of out.split('\n')) {
    const name = line.split(/\s+/)[0];
    const m = /^rf(\d+)x\d+[a-z]\d*$/.exec(name || '');
    if (!m || pidAlive(Number(m[1]))) continue;
    killNamespacePids(name);
    sh('ip', ['netns', 'del', name], { quiet: true });
    removed.push(name);
  }
  return removed;
}

/** Names of the namespaces this process currently owns. */
export function ownNamespaces() {
  const out = sh('ip', ['netns', 'list'], { quiet: true }) || '';
  return out.split('\n').map((l) => l.split(/\s+/)[0]).filter((n) => n && n.startsWith(`rf${process.pid}x`));
}

function destroyAllSync() {
  for (const net of [...live]) net.destroySync();
}
let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', destroyAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { destroyAllSync(); process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)); });
  }
}

export class Net {
  /**
   * Builds the topology: a router, a server namespace (link 0) and
   * `participants` participant namespaces (links 1..n). `serverPort` is the
   * TCP port `cutSocket` cuts (your signaling server's, default 8080).
   */
  constructor({ participants = 2, serverPort = SERVER_PORT, executablePath = null } = {}) {
    const why = canRun({ executablePath });
    if (why) throw new Error(`fault-injection topology unavailable: ${why}`);
    installExitHandlers();
    this.prefix = `rf${process.pid}x${counter++}`;
    this.router = `${this.prefix}r`;
    this.server = `${this.prefix}s`;
    this.participants = Array.from({ length: participants }, (_, i) => `${this.prefix}p${i + 1}`);
    this.serverPort = serverPort;
    this.namespaces = [];
    this.processes = new Set(); // ChildProcess objects we spawned inside the namespaces
    this.rules = new Map(); // handle -> description
    this.active = new Set(); // faults not cleared yet (nftables rules, qdiscs, links down)
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${this.prefix}-`));
    live.add(this);
    try {
      this.#build();
    } catch (e) {
      this.destroySync();
      throw e;
    }
  }

  #addNs(name) {
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  #build() {
    this.#addNs(this.router);
    sh('ip', ['netns', 'exec', this.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const endpoints = [this.server, ...this.participants];
    endpoints.forEach((ns, n) => {
      this.#addNs(ns);
      sh('ip', ['-n', this.router, 'link', 'add', `l${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['-n', this.router, 'addr', 'add', `10.77.${n}.1/24`, 'dev', `l${n}`]);
      sh('ip', ['-n', this.router, 'link', 'set', `l${n}`, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `10.77.${n}.2/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `10.77.${n}.1`]);
    });
    sh('ip', ['netns', 'exec', this.router, 'nft', '-f', '-'], {
      input: `table inet ${NFT_TABLE} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n  }\n}\n`,
    });
  }

  /** Address of the server namespace. */
  get serverAddr() { return '10.77.0.2'; }
  /** `http://<serverAddr>:<serverPort>`: where participants reach a server listening in the server namespace. */
  get baseURL() { return `http://${this.serverAddr}:${this.serverPort}`; }
  /** Address of participant i (1-based). */
  addr(i) { return `10.77.${i}.2`; }

  // ------------------------------------------------------------- processes

  /**
   * Spawns `cmd args` inside namespace `ns` (e.g. your app's server in
   * `net.server`, listening on `net.serverAddr`); it is killed (by PID) on
   * destroy. `options` are child_process.spawn's.
   */
  spawnIn(ns, cmd, args, options = {}) {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], options);
    this.processes.add(child);
    child.once('exit', () => this.processes.delete(child));
    return child;
  }

  /**
   * Writes an executable that runs Chromium inside participant i's namespace,
   * for Playwright's `executablePath`. `ip netns exec` execs, so the browser
   * process Playwright launches has the PID of Chromium's main process; the
   * wrapper writes it to `chromiumPidFile(i)` first (Playwright's Browser
   * does not expose its process).
   */
  chromiumWrapper(i, executablePath = '/usr/bin/chromium') {
    this.#participant(i);
    const file = path.join(this.tmp, `chromium-p${i}.sh`);
    fs.rmSync(this.chromiumPidFile(i), { force: true });
    fs.writeFileSync(file, `#!/bin/sh\necho $$ > ${this.chromiumPidFile(i)}\nexec ip netns exec ${this.participants[i - 1]} ${JSON.stringify(executablePath)} "$@"\n`, { mode: 0o755 });
    return file;
  }

  #participant(i) {
    if (!Number.isInteger(i) || i < 1 || i > this.participants.length) {
      throw new Error(`participant ${i}: this topology has participants 1..${this.participants.length}`);
    }
    return this.participants[i - 1];
  }

  chromiumPidFile(i) { return path.join(this.tmp, `chromium-p${i}.pid`); }

  /** PID of the Chromium main process last launched through chromiumWrapper(i). */
  chromiumPid(i) { return Number(fs.readFileSync(this.chromiumPidFile(i), 'utf8').trim()); }

  // ---------------------------------------------------------------- faults

  #nft(rule, description) {
    const out = sh('ip', ['netns', 'exec', this.router, 'nft', '--echo', '--handle', 'add', 'rule', 'inet', NFT_TABLE, 'forward', ...rule.split(' ')]);
    const m = /# handle (\d+)/.exec(out);
    if (!m) throw new Error(`nft printed no handle for "${rule}": ${out}`);
    this.rules.set(Number(m[1]), description);
    return Number(m[1]);
  }

  #deleteRule(handle) {
    if (!this.rules.has(handle)) return;
    sh('ip', ['netns', 'exec', this.router, 'nft', 'delete', 'rule', 'inet', NFT_TABLE, 'forward', 'handle', String(handle)], { quiet: true });
    this.rules.delete(handle);
  }

  #fault(rules, description) {
    const handles = rules.map((r) => this.#nft(r, description));
    return this.#track(description, () => handles.forEach((h) => this.#deleteRule(h)));
  }

  /** A fault handle: `clear()` undoes it (idempotent); clearFaults() clears every live one. */
  #track(description, undo) {
    const fault = { description, clear: () => { if (!this.active.delete(fault)) return; undo(); } };
    this.active.add(fault);
    return fault;
  }

  /**
   * Drops participant i's traffic to and from the other participants (its
   * media path, every protocol: ICE-TCP too), but not its connection to the
   * server. `{ udpOnly: true }` drops only UDP. Returns { clear() }.
   */
  blackholeMedia(i, { udpOnly = false } = {}) {
    this.#participant(i);
    const proto = udpOnly ? ' meta l4proto udp' : '';
    return this.#fault([
      `iifname l${i} oifname != l0${proto} drop`,
      `oifname l${i} iifname != l0${proto} drop`,
    ], `media blackhole of participant ${i}${udpOnly ? ' (UDP)' : ''}`);
  }

  /** Drops every packet of participant i, the server connection included. */
  blackholeAll(i) {
    this.#participant(i);
    return this.#fault([`iifname l${i} drop`, `oifname l${i} drop`], `full blackhole of participant ${i}`);
  }

  /**
   * Random loss of `percent` % on participant i's media path, both
   * directions. The fault's `counts()` says how many of those packets the
   * router saw and dropped since.
   */
  loss(i, percent) {
    this.#participant(i);
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`loss: percent must be an integer 0..100, not ${percent}`);
    const rules = [`iifname l${i} oifname != l0`, `oifname l${i} iifname != l0`];
    const seen = rules.map((r) => this.#nft(`${r} counter`, `loss counter of participant ${i}`));
    const dropped = rules.map((r) => this.#nft(`${r} numgen random mod 100 < ${percent} counter drop`, `${percent} % loss on participant ${i}'s media path`));
    const handles = [...seen, ...dropped];
    const fault = this.#track(`${percent} % loss on participant ${i}'s media path`, () => handles.forEach((h) => this.#deleteRule(h)));
    fault.counts = () => {
      const packets = this.#counters();
      const sum = (hs) => hs.reduce((n, h) => n + (packets.get(h) ?? 0), 0);
      return { seen: sum(seen), dropped: sum(dropped) };
    };
    return fault;
  }

  /** Packet counters of the router's rules, by handle. */
  #counters() {
    const out = sh('ip', ['netns', 'exec', this.router, 'nft', '--handle', 'list', 'chain', 'inet', NFT_TABLE, 'forward']);
    const counts = new Map();
    for (const m of out.matchAll(/counter packets (\d+) bytes \d+.*# handle (\d+)/g)) counts.set(Number(m[2]), Number(m[1]));
    return counts;
  }

  /** Drops participant i's TCP to/from the server's `port` (its signaling socket; default `serverPort`), media untouched. */
  cutSocket(i, port = this.serverPort) {
    this.#participant(i);
    return this.#fault([
      `iifname l${i} ip daddr ${this.serverAddr} tcp dport ${port} drop`,
      `oifname l${i} ip saddr ${this.serverAddr} tcp sport ${port} drop`,
    ], `signaling socket of participant ${i} cut`);
  }

  /**
   * Rate-limits participant i's link with tbf qdiscs (every packet of it,
   * signaling included): `direction` `'both'` (default), `'in'` (towards the
   * participant: the router's side of its link) or `'out'` (what it sends:
   * its own eth0). `rate`/`burst`/`latency` in tc syntax. Returns { clear() }.
   */
  limitBandwidth(i, { rate = '500kbit', burst = '32kbit', latency = '200ms', direction = 'both' } = {}) {
    const ns = this.#participant(i);
    if (!['both', 'in', 'out'].includes(direction)) throw new Error(`limitBandwidth: direction must be both, in or out, not ${direction}`);
    const devs = [];
    if (direction !== 'out') devs.push(['-n', this.router, `l${i}`]);
    if (direction !== 'in') devs.push(['-n', ns, 'eth0']);
    const tbf = ['tbf', 'rate', rate, 'burst', burst, 'latency', latency];
    for (const [, n, dev] of devs) sh('ip', ['netns', 'exec', n, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', ...tbf]);
    return this.#track(`tbf ${rate} ${direction === 'both' ? 'both ways' : direction} on participant ${i}'s link`, () => {
      for (const [, n, dev] of devs) sh('ip', ['netns', 'exec', n, 'tc', 'qdisc', 'del', 'dev', dev, 'root'], { quiet: true });
    });
  }

  /** Takes the router's side of link n down (n = 0 is the server's link). */
  linkDown(n) {
    if (!Number.isInteger(n) || n < 0 || n > this.participants.length) throw new Error(`linkDown: no link ${n}`);
    sh('ip', ['-n', this.router, 'link', 'set', `l${n}`, 'down']);
    return this.#track(`link ${n} down`, () => sh('ip', ['-n', this.router, 'link', 'set', `l${n}`, 'up'], { quiet: true }));
  }

  /** Undoes every fault still in place (rules, rate limits, links down). */
  clearFaults() {
    for (const f of [...this.active]) f.clear();
  }

  /** The router's qdiscs and its participants' (for failure reports). */
  qdiscs() {
    return [this.router, ...this.participants]
      .map((ns) => `${ns}: ${sh('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'show'], { quiet: true }) ?? '(unavailable)'}`).join('\n');
  }

  /** The router's ruleset (for failure reports). */
  ruleset() {
    return sh('ip', ['netns', 'exec', this.router, 'nft', 'list', 'table', 'inet', NFT_TABLE], { quiet: true }) ?? '(unavailable)';
  }

  // --------------------------------------------------------------- cleanup

  /** Kills everything we started inside the namespaces (by PID) and deletes them. Idempotent. */
  destroySync() {
    for (const child of this.processes) {
      try { process.kill(child.pid, 'SIGKILL'); } catch {}
    }
    this.processes.clear();
    for (const ns of this.namespaces) killNamespacePids(ns);
    for (const ns of this.namespaces) sh('ip', ['netns', 'del', ns], { quiet: true });
    this.namespaces = [];
    fs.rmSync(this.tmp, { recursive: true, force: true });
    live.delete(this);
  }
}

/**
 * Resolves with the output of `child` (stdout + stderr) once it matches
 * `pattern`; rejects if the process exits first or after `timeoutMs`.
 */
export function waitForOutput(child, pattern, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const done = (f) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      f();
    };
    const onData = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) done(() => resolve(m));
    };
    const onExit = (code, signal) => done(() => reject(new Error(`process exited (${code ?? signal}) before printing ${pattern}: ${out.slice(-2000)}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${out.slice(-2000)}`))), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
