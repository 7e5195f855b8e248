// Where the wasm's bytes go, function by function: the raw size of each
// body in a module that still has its names section, largest first, or
// (--group) summed per module path (`rtcroom::web::room`, `alloc::vec`, …)
// with each group's zlib size alone and its function count. For the size
// work on the mesh build: run bench/wasm-size.sh first, which leaves a
// named copy of the optimized module in target/wasm-size/named.wasm.
//   node bench/wasm-functions.mjs [FILE.wasm] [--group] [--top N]
import fs from 'node:fs';
import zlib from 'node:zlib';

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.wasm')) ?? 'target/wasm-size/named.wasm';
const group = args.includes('--group');
const top = Number(args[args.indexOf('--top') + 1]) || 60;
const bytes = fs.readFileSync(file);

let o = 8;
const leb = () => { let r = 0, s = 0, x; do { x = bytes[o++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
const str = () => { const n = leb(); const s = bytes.toString('utf8', o, o + n); o += n; return s; };
let imported = 0;
const bodies = [];
const names = new Map();
while (o < bytes.length) {
  const id = bytes[o++];
  const size = leb();
  const end = o + size;
  if (id === 2) { // imports: functions take the first indices
    for (let n = leb(), i = 0; i < n; i++) {
      str(); str();
      const kind = bytes[o++];
      if (kind === 0) { leb(); imported++; } else if (kind === 1) { o++; if (bytes[o++] & 1) leb(); leb(); } else if (kind === 2) { if (bytes[o++] & 1) leb(); leb(); } else if (kind === 3) o += 2;
    }
  } else if (id === 10) {
    for (let n = leb(), i = 0; i < n; i++) { const len = leb(); bodies.push(bytes.subarray(o, o + len)); o += len; }
  } else if (id === 0 && str() === 'name') {
    while (o < end) {
      const sub = bytes[o++];
      const len = leb();
      const next = o + len;
      if (sub === 1) for (let n = leb(), i = 0; i < n; i++) { const idx = leb(); names.set(idx, str()); }
      o = next;
    }
  }
  o = end;
}
if (names.size === 0) throw new Error(`${file} has no names section (build it with wasm-opt -g)`);
// Crate hashes (`rtcroom[632dad4b9314bc7e]`) make names unreadable.
const rows = bodies.map((b, i) => ({ body: b, name: (names.get(i + imported) ?? `f${i}`).replace(/\[[0-9a-f]{16}\]/g, '') }));
if (!group) {
  rows.sort((a, b) => b.body.length - a.body.length);
  for (const r of rows.slice(0, top)) console.log(`${String(r.body.length).padStart(7)}  ${r.name.slice(0, 160)}`);
} else {
  const key = (n) => {
    const s = n.replace(/^[<&[( ]+(mut )?/, '');
    return (s.match(/^(rtcroom(?:_proto)?::(?:web|core)(?:::[a-z_]+)?)/) ?? s.match(/^([a-z_0-9]+(?:::[a-z_0-9]+)?)/) ?? [null, s.slice(0, 30)])[1];
  };
  const groups = new Map();
  for (const r of rows) {
    const k = key(r.name);
    const g = groups.get(k) ?? { raw: 0, count: 0, parts: [] };
    g.raw += r.body.length; g.count++; g.parts.push(r.body);
    groups.set(k, g);
  }
  console.log('    raw   zlib  count  group');
  for (const [k, g] of [...groups].sort((a, b) => b[1].raw - a[1].raw).slice(0, top)) {
    const z = zlib.deflateSync(Buffer.concat(g.parts), { level: 9 }).length;
    console.log(`${String(g.raw).padStart(7)}${String(z).padStart(7)}${String(g.count).padStart(7)}  ${k}`);
  }
}
