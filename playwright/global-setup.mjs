// Starts the real signaling server (target/release/rtcroom-server) once for
// the whole run on a free port and hands its base URL to the workers through
// RTCROOM_BASE_URL. The returned function is the teardown: it stops that
// server, by its PID.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const playwrightDir = fileURLToPath(new URL('.', import.meta.url));

export default async function globalSetup() {
  const pkgDir = path.resolve(repo, process.env.RTCROOM_PKG_DIR || 'pkg');
  if (!existsSync(path.join(pkgDir, 'index.js'))) {
    throw new Error(`rtcroom e2e: missing ${path.join(pkgDir, 'index.js')} — run scripts/build first`);
  }
  const react = path.join(repo, 'target/examples/react');
  if (!existsSync(path.join(react, 'index.html'))) {
    throw new Error(`rtcroom e2e: missing ${react}/index.html (the React example) — run scripts/build first`);
  }
  const { baseURL, pid, stop } = await startServer(defaultMounts(), path.join(playwrightDir, 'test-results'));
  process.env.RTCROOM_BASE_URL = baseURL;
  process.env.RTCROOM_SERVER_PID = String(pid);
  return stop;
}

/** The mounts of the e2e server: the examples, the package, the fixture pages. */
export function defaultMounts() {
  const pkgDir = path.resolve(repo, process.env.RTCROOM_PKG_DIR || 'pkg');
  return [
    `/=${path.join(repo, 'examples/vanilla')}`,
    `/react=${path.join(repo, 'target/examples/react')}`,
    `/pkg=${pkgDir}`,
    `/test=${path.join(playwrightDir, 'pages')}`,
  ];
}

/** Runs `rtcroom-server token …` (the built binary) and returns the token. */
export function mintToken(secret, args) {
  const server = path.join(repo, 'target/release/rtcroom-server');
  return execFileSync(server, ['token', '--secret', secret, ...args], { encoding: 'utf8' }).trim();
}

/**
 * Starts target/release/rtcroom-server on a free loopback port with these
 * `--mount PREFIX=DIR`s, its output in `outDir`/server.log. Resolves with
 * { baseURL, pid, stop } once it listens; `stop()` ends it by its PID.
 */
export async function startServer(mounts, outDir, extraArgs = []) {
  const server = path.join(repo, 'target/release/rtcroom-server');
  if (!existsSync(server)) {
    throw new Error(`rtcroom: missing ${server} — run scripts/build first`);
  }
  mkdirSync(outDir, { recursive: true });
  const logPath = path.join(outDir, extraArgs.length ? `server-${process.pid}-${Date.now()}.log` : 'server.log');
  const log = createWriteStream(logPath);

  const child = spawn(server, ['--addr', '127.0.0.1:0', ...mounts.flatMap((m) => ['--mount', m]), ...extraArgs],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log, { end: false });

  const baseURL = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error('rtcroom-server did not print its listening line within 15 s')), 15_000);
    const fail = (e) => { clearTimeout(timer); child.kill('SIGKILL'); reject(e); };
    child.once('error', (e) => fail(new Error(`cannot start ${server}: ${e.message}`)));
    child.once('exit', (code, signal) => fail(new Error(
      `rtcroom-server exited early (code ${code}, signal ${signal}); see ${logPath}`)));
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      if (buffered === null) return;
      buffered += chunk;
      const m = /rtcroom-server listening on (http:\/\/\S+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        buffered = null;
        resolve(m[1].replace(/\/$/, ''));
      }
    });
  });

  return { baseURL, pid: child.pid, stop: async function stop() {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch {} }, 5_000);
    await exited;
    clearTimeout(timer);
    log.end();
  } };
}
