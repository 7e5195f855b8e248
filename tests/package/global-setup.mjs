// Serves what tests/package/prepare built from the tarball through the real
// signaling server: the Vite app's dist/ at /, the plain page at /plain/.
// Also starts Vite's dev server on the same app (dependencies pre-bundled
// into node_modules/.vite/deps/, no rtcroom-specific configuration).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { startServer } from '../../playwright/global-setup.mjs';

const work = fileURLToPath(new URL('../../target/package-test/', import.meta.url));

export default async function globalSetup() {
  const app = path.join(work, 'vite-app');
  const dist = path.join(app, 'dist');
  const plain = path.join(work, 'plain');
  for (const f of [path.join(dist, 'index.html'), path.join(plain, 'node_modules/rtcroom/index.js')]) {
    if (!existsSync(f)) throw new Error(`missing ${f}: run tests/package/prepare first`);
  }
  const { baseURL, stop } = await startServer([`/=${dist}`, `/plain=${plain}`], path.join(work, 'results'));
  process.env.RTCROOM_BASE_URL = baseURL;
  let vite;
  try {
    vite = await createServer({
      root: app, configFile: path.join(app, 'vite.config.js'), logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    await vite.listen();
  } catch (e) {
    await stop();
    throw e;
  }
  process.env.RTCROOM_VITE_DEV_URL = vite.resolvedUrls.local[0].replace(/\/$/, '');
  return async () => {
    await vite.close();
    await stop();
  };
}
