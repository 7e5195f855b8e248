// Network topology of the fault-injection tier (and bench/recovery.mjs):
// named network namespaces joined through a router namespace by veth pairs,
// faults applied in the router with nftables / tc, the real server and one
// Chromium per participant running inside their own namespaces.
//
//   server ns  <prefix>s   eth0 10.77.0.2/24 ──┐
//   participant <prefix>p1 eth0 10.77.1.2/24 ──┤ router ns <prefix>r (ip_forward=1)
//   participant <prefix>p2 eth0 10.77.2.2/24 ──┘   l0 10.77.0.1, l1 10.77.1.1, l2 10.77.2.1
//
// Link N joins endpoint N (0 = server) to the router's interface `lN`.
// Every namespace name starts with `rf<pid>x`, the PID of the Node process
// that made it: `sweepStale()` deletes only those of PIDs that are dead.
// Everything is synchronous (execFileSync) so that process 'exit' handlers
// can clean up too. Root only (`canRun()` says why not).
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

/** null when the tier can run here, else the reason it cannot. */
export function canRun() {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)';
  for (const tool of ['ip', 'nft', 'tc']) {
    if (sh('sh', ['-c', `command -v ${tool}`], { quiet: true }) === null) return `\`${tool}\` is missing (scripts/bootstrap installs it)`;
  }
  if (!fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium is missing';
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
   * `participants` participant namespaces (links 1..n).
   */
  constructor({ participants = 2 } = {}) {
    const why = canRun();
    if (why) throw new Error(`fault-injection topology unavailable: ${why}`);
    installExitHandlers();
    this.prefix = `rf${process.pid}x${counter++}`;
    this.router = `${this.prefix}r`;
    this.server = `${this.prefix}s`;
    this.participants = Array.from({ length: participants }, (_, i) => `${this.prefix}p${i + 1}`);
    this.namespaces = [];
    this.processes = new Set(); // ChildProcess objects we spawned inside the namespaces
    this.rules = new Map(); // handle -> description
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
  /** Base URL of the server started by startServer(). */
  get baseURL() { return `http://${this.serverAddr}:${SERVER_PORT}`; }
  /** Address of participant i (1-based). */
  addr(i) { return `10.77.${i}.2`; }

  // ------------------------------------------------------------- processes

  /** Spawns `cmd args` inside namespace `ns`; it is killed (by PID) on destroy. */
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
  chromiumWrapper(i) {
    const file = path.join(this.tmp, `chromium-p${i}.sh`);
    fs.rmSync(this.chromiumPidFile(i), { force: true });
    fs.writeFileSync(file, `#!/bin/sh\necho $$ > ${this.chromiumPidFile(i)}\nexec ip netns exec ${this.participants[i - 1]} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
    return file;
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
    let cleared = false;
    return { description, clear: () => { if (cleared) return; cleared = true; handles.forEach((h) => this.#deleteRule(h)); } };
  }

  /**
   * Drops participant i's traffic to and from the other participants (its
   * media path, every protocol: ICE-TCP too), but not its connection to the
   * server. `{ udpOnly: true }` drops only UDP. Returns { clear() }.
   */
  blackholeMedia(i, { udpOnly = false } = {}) {
    const proto = udpOnly ? ' meta l4proto udp' : '';
    return this.#fault([
      `iifname l${i} oifname != l0${proto} drop`,
      `oifname l${i} iifname != l0${proto} drop`,
    ], `media blackhole of participant ${i}${udpOnly ? ' (UDP)' : ''}`);
  }

  /** Drops every packet of participant i, the server connection included. */
  blackholeAll(i) {
    return this.#fault([`iifname l${i} drop`, `oifname l${i} drop`], `full blackhole of participant ${i}`);
  }

  /** Random loss of `percent` % on participant i's media path, both directions. */
  loss(i, percent) {
    return this.#fault([
      `iifname l${i} oifname != l0 numgen random mod 100 < ${percent} drop`,
      `oifname l${i} iifname != l0 numgen random mod 100 < ${percent} drop`,
    ], `${percent} % loss on participant ${i}'s media path`);
  }

  /** Drops participant i's TCP to/from the server port (its signaling socket), media untouched. */
  cutSocket(i) {
    return this.#fault([
      `iifname l${i} ip daddr ${this.serverAddr} tcp dport ${SERVER_PORT} drop`,
      `oifname l${i} ip saddr ${this.serverAddr} tcp sport ${SERVER_PORT} drop`,
    ], `signaling socket of participant ${i} cut`);
  }

  /** Limits the router → participant i direction with a tbf qdisc. */
  limitBandwidth(i, rate = '500kbit', burst = '32kbit', latency = '200ms') {
    sh('ip', ['netns', 'exec', this.router, 'tc', 'qdisc', 'replace', 'dev', `l${i}`, 'root', 'tbf', 'rate', rate, 'burst', burst, 'latency', latency]);
    return { description: `tbf ${rate} towards participant ${i}`, clear: () => sh('ip', ['netns', 'exec', this.router, 'tc', 'qdisc', 'del', 'dev', `l${i}`, 'root'], { quiet: true }) };
  }

  /** Takes the router's side of link n down (n = 0 is the server's link). */
  linkDown(n) {
    sh('ip', ['-n', this.router, 'link', 'set', `l${n}`, 'down']);
    return { description: `link ${n} down`, clear: () => sh('ip', ['-n', this.router, 'link', 'set', `l${n}`, 'up'], { quiet: true }) };
  }

  /** Removes every fault rule. */
  clearFaults() {
    for (const h of [...this.rules.keys()]) this.#deleteRule(h);
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
