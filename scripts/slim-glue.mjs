// Trims wasm-bindgen's generic loader out of the glue (pkg/rtcroom.js, in
// place): the facade and the SFU glue's import always pass
// `{ module_or_path: string | URL }` (index.d.ts `load(wasmUrl)`), so the
// glue always fetches, and the loader's other paths never run — a `Module`
// or bytes instead of a URL, the deprecated positional argument (and its
// warning), browsers without `instantiateStreaming` or `encodeInto`.
// −250 B gzip on every page (bench/README.md, ninth session).
//   node scripts/slim-glue.mjs pkg/rtcroom.js
// Run by scripts/build after shorten-imports.mjs. Each edit matches
// wasm-bindgen's output exactly (the CLI is pinned, scripts/lib.sh): a
// newer wasm-bindgen whose glue differs fails the build here, not at run
// time.
import fs from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/slim-glue.mjs GLUE.js');
  process.exit(2);
}
let text = fs.readFileSync(file, 'utf8');

/** Replaces the block from `start` up to `end` (kept unless `dropEnd`). */
function replace(what, start, end, by, dropEnd = false) {
  const a = text.indexOf(start);
  const b = a < 0 ? -1 : text.indexOf(end, a + start.length);
  if (a < 0 || b < 0 || text.indexOf(start, a + 1) >= 0) {
    throw new Error(`${file}: wasm-bindgen's ${what} is not where slim-glue.mjs expects it (a new wasm-bindgen? check the glue and this script)`);
  }
  text = text.slice(0, a) + by + text.slice(dropEnd ? b + end.length : b);
}

// Every supported browser streams (Chrome 61, Firefox 58, Safari 15). A
// server that sends the .wasm with another Content-Type makes streaming
// fail: then it is compiled from its bytes, as wasm-bindgen does, with a
// shorter hint.
replace('__wbg_load', 'async function __wbg_load(module, imports) {', '\nfunction initSync(', `async function __wbg_load(response, imports) {
    if (!response.ok) {
        throw new Error(\`failed to fetch Wasm: \${response.status} \${response.statusText} fetching '\${response.url}'\`);
    }
    try {
        return await WebAssembly.instantiateStreaming(response, imports);
    } catch (e) {
        if (response.headers.get('Content-Type') === 'application/wasm') throw e;
        console.warn('rtcroom: serve the .wasm as application/wasm (it was compiled without streaming)');
        return WebAssembly.instantiate(await response.arrayBuffer(), imports);
    }
}
`);

replace('__wbg_init_once', 'async function __wbg_init_once(module_or_path) {', '\n    const { instance, module } = await __wbg_load(', `async function __wbg_init_once(module_or_path) {
    if (module_or_path !== undefined) ({ module_or_path } = module_or_path);
    if (module_or_path === undefined) {
        module_or_path = new URL('rtcroom_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();
    module_or_path = fetch(module_or_path);
`);

// TextEncoder.encodeInto: every supported browser has it.
replace('the encodeInto polyfill', "if (!('encodeInto' in cachedTextEncoder)) {", '\n}\n', '\n', true);
text = text.replace(/\n\n\n+/g, '\n\n');

fs.writeFileSync(file, text);
