// Renames the wasm's imports (wasm-bindgen's `__wbg_<name>_<16 hex>`, ~300
// of them) to short names, in the wasm and in the glue's imports object, and the
// closure-invoker exports (`wasm_bindgen_<hash>___convert__closures_…`, up to
// 330 characters each) and every other export (`roomhandle_publishCamera`,
// `__wbindgen_malloc`, …: the glue reads them only as `wasm.<name>`) to
// short names, in the wasm and in the glue.
// Why: each name is in both files and its random hash does not compress —
// about 5 KB gzip of the bundle for names nobody reads. The glue must name
// each import exactly once (its key in `__wbg_get_imports`); anything else
// fails the build. Run by scripts/build after wasm-opt and before minifying:
//   node scripts/shorten-imports.mjs pkg/rtcroom_bg.wasm pkg/rtcroom.js (and the _sfu pair)
import { readFileSync, writeFileSync } from 'node:fs';

//
// With a third argument, another wasm of the same crate (the mesh build,
// whose wasm-bindgen glue is the SFU build's minus imports it does not use)
// gets the same names, so this one glue runs either module: every import and
// export it has must have been renamed in the first one, and its exports must
// be the first one's, else the build fails.
const [wasmPath, gluePath, otherPath] = process.argv.slice(2);
// wasm-bindgen's module name for the glue's imports: `./<glue name>_bg.js`.
const glueModule = `./${gluePath.split('/').pop().replace(/\.js$/, '')}_bg.js`;
let wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');
/** Set while renaming the other wasm: names come from the maps only. */
let fixed = false;
const exportNames = [[], []];

function leb(bytes, o) {
  let r = 0, s = 0, x;
  do { x = bytes[o++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128);
  return [r, o];
}
function encLeb(n) {
  const out = [];
  do { let b = n & 127; n = Math.floor(n / 128); if (n) b |= 128; out.push(b); } while (n);
  return Buffer.from(out);
}
const encStr = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([encLeb(b.length), b]); };
/** 0 → 'a', …, 51 → 'Z', 52 → 'ba', … (identifier characters only). */
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const short = (i) => { let s = ''; do { s = CHARS[i % 52] + s; i = Math.floor(i / 52); } while (i); return s; };

const exportsRenamed = new Map();
/** Other exports: renamed `_a`, `_b`, … where the glue says `wasm.<name>`. */
const otherExportsRenamed = new Map();

/** The export section with wasm-bindgen's closure invokers renamed `$a`, `$b`, …. */
function exportSection(body) {
  let p = 0;
  let count;
  [count, p] = leb(body, p);
  const entries = [encLeb(count)];
  for (let i = 0; i < count; i++) {
    let len;
    [len, p] = leb(body, p);
    const name = body.subarray(p, p + len).toString('utf8'); p += len;
    const descStart = p;
    p++; // kind
    [, p] = leb(body, p); // index
    let next = name;
    exportNames[+fixed].push(name);
    if (fixed) {
      next = exportsRenamed.get(name) ?? otherExportsRenamed.get(name) ?? name;
    } else if (name.startsWith('wasm_bindgen_') && name.includes('_convert__closures_')) {
      next = `$${short(exportsRenamed.size)}`;
      exportsRenamed.set(name, next);
    } else if (glue.includes(`wasm.${name}`)) {
      next = `_${short(otherExportsRenamed.size)}`;
      otherExportsRenamed.set(name, next);
    }
    entries.push(encStr(next), body.subarray(descStart, p));
  }
  if (p !== body.length) throw new Error('export section: unexpected length');
  const out = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([7]), encLeb(out.length), out]);
}

const renamed = new Map();

/** `wasm` with its imports and exports renamed. */
function rewrite(path) {
if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${path} is not a wasm module`);
const parts = [wasm.subarray(0, 8)];
let o = 8;
while (o < wasm.length) {
  const id = wasm[o];
  const [size, start] = leb(wasm, o + 1);
  const end = start + size;
  if (id === 7) { parts.push(exportSection(wasm.subarray(start, end))); o = end; continue; }
  if (id !== 2) { parts.push(wasm.subarray(o, end)); o = end; continue; }
  let p = start;
  let count;
  [count, p] = leb(wasm, p);
  const entries = [encLeb(count)];
  for (let i = 0; i < count; i++) {
    let len;
    [len, p] = leb(wasm, p);
    const module = wasm.subarray(p, p + len).toString('utf8'); p += len;
    [len, p] = leb(wasm, p);
    const name = wasm.subarray(p, p + len).toString('utf8'); p += len;
    const descStart = p;
    const kind = wasm[p++];
    if (kind === 0) [, p] = leb(wasm, p); // func: type index
    else if (kind === 1) { p++; const [flags, q] = leb(wasm, p); p = q; [, p] = leb(wasm, p); if (flags & 1) [, p] = leb(wasm, p); } // table
    else if (kind === 2) { const [flags, q] = leb(wasm, p); p = q; [, p] = leb(wasm, p); if (flags & 1) [, p] = leb(wasm, p); } // memory
    else if (kind === 3) p += 2; // global: valtype, mut
    else throw new Error(`import ${module}.${name}: kind ${kind} not handled`);
    let next = name;
    if (module === glueModule) {
      if (fixed && !renamed.has(name)) throw new Error(`${path}: import ${name} is not one of ${wasmPath}'s`);
      next = renamed.get(name) ?? short(renamed.size);
      renamed.set(name, next);
    }
    entries.push(encStr(module), encStr(next), wasm.subarray(descStart, p));
  }
  if (p !== end) throw new Error('import section: unexpected length');
  const body = Buffer.concat(entries);
  parts.push(Buffer.from([2]), encLeb(body.length), body);
  o = end;
}
return Buffer.concat(parts);
}

const first = rewrite(wasmPath);
if (otherPath) {
  fixed = true;
  wasm = readFileSync(otherPath);
  writeFileSync(otherPath, rewrite(otherPath));
  if (exportNames[0].join() !== exportNames[1].join()) {
    throw new Error(`${otherPath}: its exports differ from ${wasmPath}'s: one glue cannot run both`);
  }
}

// The glue calls each as `wasm.<name>` from a wrapper function of the same
// name: every whole-word occurrence is renamed.
for (const [name, next] of exportsRenamed) {
  if (!glue.includes(`wasm.${name}`)) throw new Error(`${gluePath}: export ${name} is not used as wasm.${name}`);
  glue = glue.replace(new RegExp(`(?<![\\w$])${name}(?![\\w$])`, 'g'), () => next);
}

// Other exports only as properties of the exports object (the glue never
// indexes it): the same word elsewhere in the glue (e.g. its own `joinRoom`
// wrapper) is not the export.
if (/\bwasm\[/.test(glue)) throw new Error(`${gluePath}: reads wasm[...]: exports cannot be renamed`);
for (const [name, next] of otherExportsRenamed) {
  const re = new RegExp(`(?<![\\w$])wasm\\.${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  glue = glue.replace(re, () => `wasm.${next}`);
}

for (const [name, next] of renamed) {
  const re = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  const hits = glue.match(re)?.length ?? 0;
  if (hits !== 1) throw new Error(`${gluePath}: import ${name} appears ${hits} times (expected once, as its key)`);
  glue = glue.replace(re, next);
}
writeFileSync(wasmPath, first);
writeFileSync(gluePath, glue);
console.log(`shortened ${renamed.size} import names and ${exportsRenamed.size + otherExportsRenamed.size} export names`);
