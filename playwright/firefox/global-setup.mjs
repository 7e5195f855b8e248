// Starts the real signaling server for the Chromium ↔ Firefox specs: the
// package, the e2e fixture pages, and the blank page Firefox tabs start from.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../global-setup.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const repo = here('../../');

export default async function globalSetup() {
  const pkgDir = path.resolve(repo, process.env.RTCROOM_PKG_DIR || 'pkg');
  if (!existsSync(path.join(pkgDir, 'index.js'))) {
    throw new Error(`rtcroom firefox tier: missing ${path.join(pkgDir, 'index.js')} — run scripts/build first`);
  }
  const mounts = [`/pkg=${pkgDir}`, `/test=${here('../pages')}`, `/firefox=${here('./pages')}`];
  const { baseURL, stop } = await startServer(mounts, here('./test-results'));
  process.env.RTCROOM_BASE_URL = baseURL;
  return stop;
}
