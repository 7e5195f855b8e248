// Serves what tests/package/prepare built from the tarball through the real
// signaling server: the Vite app's dist/ at /, the plain page at /plain/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../playwright/global-setup.mjs';

const work = fileURLToPath(new URL('../../target/package-test/', import.meta.url));

export default async function globalSetup() {
  const dist = path.join(work, 'vite-app/dist');
  const plain = path.join(work, 'plain');
  for (const f of [path.join(dist, 'index.html'), path.join(plain, 'node_modules/rtcroom/index.js')]) {
    if (!existsSync(f)) throw new Error(`missing ${f}: run tests/package/prepare first`);
  }
  const { baseURL, stop } = await startServer([`/=${dist}`, `/plain=${plain}`], path.join(work, 'results'));
  process.env.RTCROOM_BASE_URL = baseURL;
  return stop;
}
