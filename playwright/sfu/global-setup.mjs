// Serves pkg/ and the SFU test page with the real rtcroom server (the same
// startServer as the e2e tier); Janus itself is started by scripts/janus-test.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../global-setup.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

export default async function globalSetup() {
  if (!process.env.RTCROOM_JANUS_URL) throw new Error('RTCROOM_JANUS_URL is not set: run scripts/janus-test');
  const pkg = path.join(repo, 'pkg');
  if (!existsSync(path.join(pkg, 'index.js'))) throw new Error('missing pkg/index.js: run scripts/build first');
  // /firefox: the blank page a Firefox tab starts from (../firefox/gecko.mjs).
  // /react: the React example (scripts/build), in its SFU mode (?janus=).
  const mounts = [`/pkg=${pkg}`, `/sfu=${path.join(here, 'pages')}`, `/firefox=${path.join(here, '../firefox/pages')}`,
    `/react=${path.join(repo, 'target/examples/react')}`];
  const { baseURL, stop } = await startServer(mounts, path.join(here, 'test-results'));
  process.env.RTCROOM_BASE_URL = baseURL;
  return stop;
}
