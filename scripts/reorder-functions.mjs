// Reorders a wasm module's functions so that similar bodies sit next to each
// other: gzip finds repeats only within its 32 KB window, and the order
// LLVM and wasm-opt leave puts many near-identical functions (one generic
// body per type) far apart. First greedy: each next function is the
// unplaced one sharing the most 4-byte sequences with the one before,
// relative to its own size. Then `passes` rounds of local search on the
// measure itself: each function is tried right after each of its three
// most similar ones, and a move stays if gzip -9 of the code gets smaller.
// The code is unchanged (binaryen rewrites every call, table entry and
// export by name); only its order moves.
//   node scripts/reorder-functions.mjs IN.wasm [OUT.wasm]   (OUT defaults to IN)
// Env: RTCROOM_REORDER_PASSES (default 1; 0: greedy only, ~40 s less per
// build on this machine).
// Run by scripts/build after wasm-opt; bench/README.md "Bundle budget" has
// what it saves.
import fs from 'node:fs';
import zlib from 'node:zlib';
import binaryen from 'binaryen';

const [input, output = input] = process.argv.slice(2);
if (!input) {
  console.error('usage: node scripts/reorder-functions.mjs IN.wasm [OUT.wasm]');
  process.exit(2);
}

/** The bodies of the code section, in order (defined functions only). */
function codeBodies(bytes) {
  let o = 8;
  const leb = () => { let r = 0, s = 0, x; do { x = bytes[o++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
  while (o < bytes.length) {
    const id = bytes[o++];
    const size = leb();
    const start = o;
    if (id === 10) {
      const bodies = [];
      for (let n = leb(), i = 0; i < n; i++) { const len = leb(); bodies.push(bytes.subarray(o, o + len)); o += len; }
      return bodies;
    }
    o = start + size;
  }
  return [];
}

/** Each body's distinct 4-byte sequences, as 32-bit integers. */
const gramsOf = (b) => {
  const s = new Set();
  for (let i = 0; i + 4 <= b.length; i++) s.add(((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0);
  return [...s];
};

/** Greedy chain from the first function (kept first: often the start). */
function similarityOrder(bodies) {
  const grams = bodies.map(gramsOf);
  const holders = new Map(); // gram → functions that have it
  grams.forEach((gs, f) => { for (const g of gs) { let l = holders.get(g); if (!l) holders.set(g, (l = [])); l.push(f); } });
  const placed = new Uint8Array(bodies.length);
  const shared = new Float64Array(bodies.length);
  const order = [0];
  placed[0] = 1;
  for (let cur = 0; order.length < bodies.length;) {
    shared.fill(0);
    for (const g of grams[cur]) for (const f of holders.get(g)) shared[f] += 1;
    let best = -1;
    let score = -1;
    for (let f = 0; f < bodies.length; f++) {
      if (placed[f]) continue;
      const s = shared[f] / (1 + grams[f].length);
      if (s > score) { score = s; best = f; }
    }
    placed[best] = 1;
    order.push(best);
    cur = best;
  }
  return order;
}

/** Each function's three most similar others (shared sequences / its own). */
function partners(grams, holders) {
  const shared = new Float64Array(grams.length);
  return grams.map((gs, i) => {
    shared.fill(0);
    for (const g of gs) for (const f of holders.get(g)) shared[f] += 1;
    shared[i] = -1;
    const top = [];
    for (let f = 0; f < grams.length; f++) {
      if (shared[f] <= 0) continue;
      top.push(f);
      top.sort((a, b) => shared[b] - shared[a]);
      if (top.length > 3) top.pop();
    }
    return top;
  });
}

/** Moves that make gzip -9 of the code smaller, `passes` times over. */
function localSearch(bodies, order, passes) {
  const grams = bodies.map(gramsOf);
  const holders = new Map();
  grams.forEach((gs, f) => { for (const g of gs) { let l = holders.get(g); if (!l) holders.set(g, (l = [])); l.push(f); } });
  const near = partners(grams, holders);
  const size = (o) => zlib.gzipSync(Buffer.concat(o.map((i) => bodies[i])), { level: 9 }).length;
  let best = size(order);
  for (let pass = 0; pass < passes; pass++) {
    let moved = 0;
    for (let i = 0; i < bodies.length; i++) {
      for (const j of near[i]) {
        const o = order.filter((x) => x !== i);
        o.splice(o.indexOf(j) + 1, 0, i);
        const s = size(o);
        if (s < best) { best = s; order = o; moved++; break; }
      }
    }
    if (!moved) break;
  }
  return order;
}

const bytes = fs.readFileSync(input);
const module = binaryen.readBinary(bytes);
// The features scripts/build gives wasm-opt (--enable-…), nothing newer:
// with `All`, binaryen would write encodings browsers do not read yet.
const F = binaryen.Features;
module.setFeatures(F.MutableGlobals | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt
  | F.SignExt | F.ReferenceTypes | F.CallIndirectOverlong | F.Multivalue);
const funcs = [];
for (let i = 0; i < module.getNumFunctions(); i++) {
  const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
  if (!info.module) funcs.push(info); // imports have no body and keep their place
}
const bodies = codeBodies(bytes);
if (bodies.length !== funcs.length) throw new Error(`${input}: ${bodies.length} bodies for ${funcs.length} functions`);
// Removing and adding again appends: adding in the new order is the order.
const passes = Number(process.env.RTCROOM_REORDER_PASSES ?? 1);
const order = localSearch(bodies, similarityOrder(bodies), passes);
for (const f of order.map((i) => funcs[i])) {
  module.removeFunction(f.name);
  module.addFunction(f.name, f.params, f.results, f.vars, f.body);
}
if (!module.validate()) throw new Error(`${input}: invalid after reordering`);
const out = module.emitBinary();
module.dispose();
fs.writeFileSync(output, out);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`${output}: functions reordered by similarity (${kb(bytes.length)} → ${kb(out.length)} KiB raw)`);
