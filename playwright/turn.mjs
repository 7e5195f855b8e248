// A real coturn for the TURN specs: `turnserver` (Debian's coturn, installed
// by scripts/bootstrap) on 127.0.0.1 with coturn's REST credentials
// (use-auth-secret), inside the e2e tier's private network namespace. Each
// spec starts its own on a free port and stops it by its PID.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts turnserver with `secret` as its static-auth-secret; resolves with
 * { url, port, pid, logPath, stop } once it accepts TCP on its port.
 */
export async function startTurn(secret, outDir) {
  if (!existsSync('/usr/bin/turnserver')) throw new Error('coturn missing: run scripts/bootstrap');
  mkdirSync(outDir, { recursive: true });
  const port = await freePort();
  const logPath = path.join(outDir, `turnserver-${port}.log`);
  const child = spawn('/usr/bin/turnserver', [
    '-n', '--no-cli', '--no-stdout-log', '--simple-log', '--log-file', logPath,
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=rtcroom',
    '--no-tls', '--no-dtls', '--allow-loopback-peers', '--pidfile', path.join(outDir, `turnserver-${port}.pid`),
  ], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  let exited = null;
  child.once('exit', (code, signal) => { exited = `code ${code}, signal ${signal}`; });
  while (!(await tcpOpen(port))) {
    if (exited) throw new Error(`turnserver exited (${exited}); see ${logPath}`);
    if (Date.now() > deadline) { process.kill(child.pid, 'SIGKILL'); throw new Error(`turnserver not listening on ${port} within 10 s`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    pid: child.pid,
    logPath,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch {} }, 3_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** coturn REST credentials: `expiry:identity` / base64(HMAC-SHA1(secret, username)). */
export function turnCredentials(secret, identity, expirySecs) {
  const username = `${expirySecs}:${identity}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}
