// Where the wasm's bytes go, function by function: the raw size of each
// body in a module that still has its names section, largest first, or
// (--group) summed per module path (`rtcroom::web::room`, `alloc::vec`, …)
// with each group's zlib size alone and its function count. For the size
// work on the mesh build: run bench/wasm-size.sh first, which leaves a
// named copy of the optimized module in target/wasm-size/named.wasm.
//   node bench/wasm-functions.mjs [FILE.wasm] [--group] [--top N]
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseWasm } from './wasm-parse.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.wasm')) ?? 'target/wasm-size/named.wasm';
const group = args.includes('--group');
const top = Number(args[args.indexOf('--top') + 1]) || 60;
const { bodies } = parseWasm(fs.readFileSync(file), (b) => b.length);
if (!bodies.some((b) => !b.name.startsWith('func '))) throw new Error(`${file} has no names section (build it with wasm-opt -g)`);
// Crate hashes (`rtcroom[632dad4b9314bc7e]`) make names unreadable.
const rows = bodies.map((b) => ({ body: b.bytes, name: b.name.replace(/\[[0-9a-f]{16}\]/g, '') }));
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
