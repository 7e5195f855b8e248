// The wasm reader shared by bench/bundle.mjs and bench/wasm-functions.mjs.

/**
 * Sections of a wasm module, `[{ id, name, size, gzip }]` (`gzip(bytes)`
 * sizes each), and its function bodies, `[{ name, size, bytes }]`, named
 * from the name section when there is one.
 */
export function parseWasm(bytes, gzip) {
  let o = 8;
  const leb = () => { let r = 0, s = 0, x; do { x = bytes[o++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
  const str = () => { const l = leb(); const t = bytes.subarray(o, o + l).toString('utf8'); o += l; return t; };
  const ids = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];
  const sections = [];
  let imports = 0;
  let bodies = [];
  const names = new Map();
  while (o < bytes.length) {
    const id = bytes[o++];
    const size = leb();
    const start = o;
    let name = ids[id] ?? `section ${id}`;
    if (id === 0) name = `custom:${str()}`;
    if (id === 2) {
      for (let n = leb(), i = 0; i < n; i++) { str(); str(); const kind = bytes[o++]; if (kind === 0) { imports++; leb(); } else break; }
    }
    if (id === 10) {
      const n = leb();
      bodies = [];
      for (let i = 0; i < n; i++) { const len = leb(); bodies.push(bytes.subarray(o, o + len)); o += len; }
    }
    if (name === 'custom:name') {
      while (o < start + size) {
        const sub = bytes[o++];
        const len = leb();
        const end = o + len;
        if (sub === 1) for (let n = leb(), i = 0; i < n; i++) { const idx = leb(); names.set(idx, str()); }
        o = end;
      }
    }
    sections.push({ id, name, size, gzip: gzip(bytes.subarray(start, start + size)) });
    o = start + size;
  }
  return { sections, bodies: bodies.map((b, i) => ({ name: names.get(imports + i) ?? `func ${imports + i}`, size: b.length, bytes: b })) };
}
