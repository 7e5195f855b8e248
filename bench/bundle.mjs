// Bundle budget: gzip -9 of what a page loads for rtcroom's `.` and
// `./react` entries, where the wasm bytes go, and the same figure for
// livekit-client, simple-peer and peerjs from their npm tarballs in the same
// run. No browser. Run by scripts/bench (before the call benchmark), or:
//   node bench/bundle.mjs            (after scripts/build)
// Env: BUNDLE_OUT=FILE (default bench/results/bundle.json),
//      BUNDLE_SKIP_LIBS=1 (rtcroom only: no npm pack, no network).
// See bench/README.md "Bundle budget".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseWasm } from './wasm-parse.mjs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.resolve(ROOT, process.env.RTCROOM_PKG_DIR || 'pkg');
const OUT = process.env.BUNDLE_OUT || path.join(ROOT, 'bench/results/bundle.json');
// The mesh build before wasm-bindgen and wasm-opt (scripts/build keeps it).
const PRE_OPT_WASM = path.join(ROOT, 'target/wasm32-unknown-unknown/web/rtcroom-mesh.wasm');
const GOAL = 75 * 1024; // issue 7: `.` ≤ 75 KB gzip

/**
 * The libraries compared, pinned. `entry` is the package's self-contained
 * browser build in its tarball (what its `unpkg`/`main` field or its README
 * gives a page), dependencies included.
 */
const LIBS = [
  { name: 'livekit-client', version: '2.23.0', entry: 'dist/livekit-client.umd.js' },
  { name: 'simple-peer', version: '9.11.1', entry: 'simplepeer.min.js' },
  { name: 'peerjs', version: '1.5.5', entry: 'dist/peerjs.min.js' },
];

const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1);

// ------------------------------------------------------------------ rtcroom

function rtcroomEntries() {
  const files = {
    wasm: 'rtcroom_bg.wasm', glue: 'rtcroom.js', facade: 'index.js', react: 'react.js',
    sfuWasm: 'rtcroom_sfu_bg.wasm', sfuGlue: 'rtcroom_sfu.js',
  };
  const sizes = {};
  for (const [k, f] of Object.entries(files)) {
    const p = path.join(PKG, f);
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/build`);
    const bytes = fs.readFileSync(p);
    sizes[k] = { file: f, raw: bytes.length, gzip: gzip(bytes) };
  }
  const sum = (keys) => keys.reduce((n, k) => n + sizes[k].gzip, 0);
  // The glue counts when the facade imports it (scripts/minify.mjs bundles
  // it into index.js: a page then never loads rtcroom.js).
  const dot = gluedIn(PKG) ? ['wasm', 'facade'] : ['wasm', 'glue', 'facade'];
  const entry = (keys, extra) => ({ gzip: sum(keys), raw: keys.reduce((n, k) => n + sizes[k].raw, 0), files: keys.map((k) => files[k]), keys, ...extra });
  // An SFU room page that calls `load({ sfu: 'janus' })` (or joins) before
  // the import-time preload starts (a microtask after its modules ran):
  // index.js, whose glue runs the SFU build, and rtcroom_sfu_bg.wasm. One
  // that lets the mesh preload run first also downloads the mesh wasm and a
  // second instance of the glue (rtcroom_sfu.js).
  const sfu = dot.filter((k) => k !== 'wasm').concat(['sfuWasm']);
  return {
    files: sizes,
    // What a page importing the entry downloads (React itself is the app's).
    '.': entry(dot, { page: 'mesh room' }),
    '. (SFU room)': entry(sfu, { page: "SFU room, load({ sfu: 'janus' }) at start" }),
    '. (SFU room, late)': entry([...dot, 'sfuGlue', 'sfuWasm'], { page: 'SFU room joined later: the mesh preload ran first' }),
    './react': entry([...dot, 'react'], { excludes: 'react, react-dom' }),
  };
}

/** Whether pkg/index.js has the glue inside (no import of ./rtcroom.js). */
function gluedIn(pkgDir) {
  const facade = fs.readFileSync(path.join(pkgDir, 'index.js'), 'utf8');
  return !/from\s*["'`]\.\/rtcroom\.js["'`]/.test(facade);
}

// ---------------------------------------------------------- wasm breakdown

/**
 * The crate (rtcroom: crate::module) a function belongs to, from its symbol:
 * legacy Rust mangling (`_ZN7rtcroom4core…`, trait impls `_ZN…_$LT$T$u20$as$u20$…`),
 * v0 (`_RNv…C<len>crate…`), or a plain name.
 */
function crateOf(symbol) {
  let path = [];
  if (symbol.startsWith('_ZN')) {
    let o = 3;
    while (o < symbol.length && /\d/.test(symbol[o])) {
      const m = /^\d+/.exec(symbol.slice(o));
      const len = Number(m[0]);
      o += m[0].length;
      path.push(symbol.slice(o, o + len));
      o += len;
    }
    if (path[0]?.startsWith('_$LT$')) {
      // <Type as Trait>::f: the implementing type's path.
      const inner = path.slice(0).join('..').replace(/^_\$LT\$/, '').replace(/^(\$RF\$|\$BP\$|mut\$u20\$)+/, '');
      path = inner.split(/\.\.|\$u20\$|\$LT\$|\$GT\$/).filter(Boolean);
    }
  } else if (symbol.startsWith('_R')) {
    const m = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(symbol);
    if (m) {
      path = [m[2].slice(0, Number(m[1]))];
      const next = /^[A-Za-z]*?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(m[2].slice(Number(m[1])) + symbol.slice(m.index + m[0].length));
      if (next) path.push(next[2].slice(0, Number(next[1])));
    }
  } else {
    path = symbol.replace(/^[<&\s]+/, '').split('::');
  }
  const [crate, module] = path;
  if (!crate || !/^[A-Za-z_]\w*$/.test(crate)) return '(glue and other)';
  if ((crate === 'rtcroom' || crate === 'core' || crate === 'alloc') && module && /^\w+$/.test(module)) return `${crate}::${module}`;
  return crate;
}

/**
 * `rtcroom::<a>::<b>` for a function of the crate (legacy or v0 mangling:
 * the identifiers after `7rtcroom`), else null.
 */
function moduleOf(symbol) {
  const k = symbol.indexOf('7rtcroom');
  if (k < 0) return null;
  const rest = symbol.slice(k + 8);
  const ids = [];
  let p = 0;
  while (ids.length < 2) {
    const m = /^[A-Za-z]*?(\d+)_?([A-Za-z_][A-Za-z0-9_]*)/.exec(rest.slice(p));
    if (!m) break;
    const len = Number(m[1]);
    ids.push(m[2].slice(0, len));
    p += m.index + m[0].length - (m[2].length - len);
  }
  return ids.length ? `rtcroom::${ids.join('::')}` : null;
}

function wasmBreakdown(file) {
  const final = fs.readFileSync(path.join(PKG, file));
  const { sections } = parseWasm(final, gzip);
  const out = {
    sections: sections.map(({ name, size, gzip: g }) => ({ name, raw: size, gzip: g })).sort((a, b) => b.raw - a.raw),
  };
  // Function bodies by crate, from the wasm before wasm-bindgen and wasm-opt
  // (it still has its name section): shares, not final bytes.
  if (fs.existsSync(PRE_OPT_WASM)) {
    const { bodies } = parseWasm(fs.readFileSync(PRE_OPT_WASM), gzip);
    const total = bodies.reduce((n, f) => n + f.size, 0);
    const byCrate = new Map();
    for (const f of bodies) byCrate.set(crateOf(f.name), (byCrate.get(crateOf(f.name)) ?? 0) + f.size);
    out.preOptFunctions = { count: bodies.length, bytes: total };
    out.byCrate = [...byCrate].map(([crate, bytes]) => ({ crate, bytes, share: +(bytes / total).toFixed(3) }))
      .sort((a, b) => b.bytes - a.bytes).slice(0, 15);
    // rtcroom's own functions by module (`rtcroom::core::room`, …): where
    // the crate's code is, one level below `byCrate`.
    const byModule = new Map();
    for (const f of bodies) {
      const m = moduleOf(f.name);
      if (m) byModule.set(m, (byModule.get(m) ?? 0) + f.size);
    }
    out.byModule = [...byModule].map(([module, bytes]) => ({ module, bytes, share: +(bytes / total).toFixed(3) }))
      .sort((a, b) => b.bytes - a.bytes).slice(0, 15);
    out.largestFunctions = [...bodies].sort((a, b) => b.size - a.size).slice(0, 10).map((f) => ({ name: f.name.slice(0, 120), bytes: f.size }));
  }
  // binaryen's own view (npm binaryen, never Debian's).
  try {
    const text = execFileSync(path.join(ROOT, 'node_modules/.bin/wasm-opt'), [
      '--metrics', '--enable-bulk-memory', '--enable-reference-types', '--enable-nontrapping-float-to-int',
      '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue', path.join(PKG, file), '-o', os.devNull,
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const metric = (k) => Number(new RegExp(`\\[${k}\\]\\s*:\\s*(\\d+)`).exec(text)?.[1] ?? NaN);
    out.wasmOptMetrics = { funcs: metric('funcs'), globals: metric('globals'), imports: metric('imports'), exports: metric('exports'), memoryData: metric('memory-data'), tableData: metric('table-data'), totalNodes: metric('total') };
  } catch (e) {
    out.wasmOptMetrics = { error: String(e.message).slice(0, 200) };
  }
  return out;
}

// ---------------------------------------------------------------- libraries

async function library({ name, version, entry }, tmp) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', '--silent', `${name}@${version}`, '--pack-destination', dir], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', path.join(dir, tgz), '-C', dir]);
  const input = path.join(dir, 'package', entry);
  if (!fs.existsSync(input)) throw new Error(`${name}@${version}: ${entry} is not in its tarball`);
  const out = path.join(dir, 'out.js');
  await build({
    input, platform: 'browser', logLevel: 'silent',
    output: { file: out, format: 'esm', minify: true, comments: false },
  });
  const bytes = fs.readFileSync(out);
  return { name, version, entry, raw: bytes.length, gzip: gzip(bytes) };
}

// --------------------------------------------------------------------- main

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '));
}

const rtcroom = rtcroomEntries();
const wasm = wasmBreakdown('rtcroom_bg.wasm');
const sfuWasm = wasmBreakdown('rtcroom_sfu_bg.wasm');
const libs = [];
if (process.env.BUNDLE_SKIP_LIBS !== '1') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcroom-bundle-'));
  try {
    for (const lib of LIBS) {
      try {
        libs.push(await library(lib, tmp));
      } catch (e) {
        libs.push({ ...lib, error: String(e.message).split('\n')[0].slice(0, 200) });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const result = {
  date: new Date().toISOString(),
  goal: { entry: '.', gzipBytes: GOAL, met: rtcroom['.'].gzip <= GOAL },
  rtcroom,
  wasm,
  sfuWasm: { sections: sfuWasm.sections, wasmOptMetrics: sfuWasm.wasmOptMetrics },
  libraries: libs,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);

console.log('\nbundle budget: what a page loads, gzip -9 (KiB)');
table([
  ['package', 'entry', 'raw', 'gzip'],
  ['rtcroom', '. (mesh room page)', kb(rtcroom['.'].raw), kb(rtcroom['.'].gzip)],
  ['rtcroom', '. (SFU room page)', kb(rtcroom['. (SFU room)'].raw), kb(rtcroom['. (SFU room)'].gzip)],
  ['rtcroom', '. (SFU room, mesh preloaded)', kb(rtcroom['. (SFU room, late)'].raw), kb(rtcroom['. (SFU room, late)'].gzip)],
  ['rtcroom', './react (without React)', kb(rtcroom['./react'].raw), kb(rtcroom['./react'].gzip)],
  ...libs.map((l) => [`${l.name}@${l.version}`, l.entry, l.error ? '-' : kb(l.raw), l.error ? `error: ${l.error}` : kb(l.gzip)]),
]);
console.log(`goal for '.' (a mesh room page): ≤ ${kb(GOAL)} KiB: ${result.goal.met ? 'met' : `not met (${kb(rtcroom['.'].gzip - GOAL)} KiB over)`}`);
console.log('\nrtcroom files, gzip -9 (KiB)');
table([['file', 'raw', 'gzip'], ...Object.values(rtcroom.files).map((f) => [f.file, kb(f.raw), kb(f.gzip)])]);
console.log('\nrtcroom_bg.wasm (mesh build) sections (KiB)');
table([['section', 'raw', 'gzip'], ...wasm.sections.slice(0, 8).map((s) => [s.name, kb(s.raw), kb(s.gzip)])]);
if (wasm.byCrate) {
  console.log('\nmesh build: function bodies by crate, before wasm-bindgen/wasm-opt (shares)');
  table([['crate', 'KiB', 'share'], ...wasm.byCrate.map((c) => [c.crate, kb(c.bytes), `${(c.share * 100).toFixed(1)} %`])]);
}
if (wasm.byModule) {
  console.log("\nmesh build: rtcroom's own functions by module, before wasm-bindgen/wasm-opt (shares)");
  table([['module', 'KiB', 'share'], ...wasm.byModule.map((c) => [c.module, kb(c.bytes), `${(c.share * 100).toFixed(1)} %`])]);
}
console.log(`\nwrote ${path.relative(ROOT, OUT)}`);
