// Minifies the package's JavaScript in place (pkg/index.js, the facade with
// the mesh build's glue bundled in; pkg/rtcroom.js, that glue alone;
// pkg/rtcroom_sfu.js, the SFU build's glue, which index.js imports on first
// use; pkg/react.js, the React bindings)
// with rolldown (oxc), keeping ES module exports
// and the `new URL('…wasm', import.meta.url)` that bundlers look for; writes
// a source map next to each (with the sources inside) so stack traces and
// debuggers show the readable code. Run by scripts/build.
import { build } from 'rolldown';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? 'pkg');
const tmp = path.join(dir, '.min');
const files = ['index.js', 'rtcroom.js', 'rtcroom_sfu.js', 'react.js'];
// index.js takes the glue (rtcroom.js) in: a page then loads one script
// and the wasm, and the two compress as one (−485 B gzip). rtcroom.js is
// still shipped, minified, on its own. react.js keeps importing index.js.
// Function and class names are kept only in react.js (React DevTools shows
// components by them). index.js and the glue drop them (−340 B gzip on the
// room page): the source maps name every frame, and the public classes set
// their own `name` (Room.name is 'Room').
const keepNames = { 'index.js': false, 'rtcroom.js': false, 'rtcroom_sfu.js': false, 'react.js': true };
const external = { 'index.js': ['./rtcroom_sfu.js'], 'rtcroom.js': [], 'rtcroom_sfu.js': [], 'react.js': ['./index.js', 'react'] };
for (const file of files) {
  await build({
    input: path.join(dir, file),
    external: external[file],
    platform: 'browser',
    logLevel: 'warn',
    output: { file: path.join(tmp, file), format: 'esm', minify: true, keepNames: keepNames[file], sourcemap: true, comments: false },
  });
}
for (const file of files) {
  renameSync(path.join(tmp, file), path.join(dir, file));
  renameSync(path.join(tmp, `${file}.map`), path.join(dir, `${file}.map`));
}
rmSync(tmp, { recursive: true });
// Modules of the facade that the build above bundled into index.js (the
// glue stays: see above).
for (const file of ['room-state.js']) rmSync(path.join(dir, file), { force: true });
const urls = { 'index.js': ['rtcroom_bg', 'rtcroom_sfu_bg'], 'rtcroom.js': ['rtcroom_bg'], 'rtcroom_sfu.js': ['rtcroom_sfu_bg'] };
for (const [file, names] of Object.entries(urls)) {
  const text = readFileSync(path.join(dir, file), 'utf8');
  for (const name of names) {
    if (!new RegExp(`new URL\\(["'\`]\\.?\\/?${name}\\.wasm["'\`],\\s*import\\.meta\\.url\\)`).test(text)) {
      throw new Error(`${file}: the minified code lost new URL('${name}.wasm', import.meta.url)`);
    }
  }
}
// index.js imports the SFU glue by this exact name (a chunk in bundlers).
if (!/import\(["'`]\.\/rtcroom_sfu\.js["'`]\)/.test(readFileSync(path.join(dir, 'index.js'), 'utf8'))) {
  throw new Error("index.js: the minified code lost import('./rtcroom_sfu.js')");
}
