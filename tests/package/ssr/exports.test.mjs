// The installed tarball's package.json: every `exports` target is a file in
// the package, and the entry points resolve through `exports` as Node and
// bundlers resolve them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(import.meta.dirname, 'node_modules/rtcroom');
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));

function targets(entry) {
  return typeof entry === 'string' ? [entry] : Object.values(entry).flatMap(targets);
}

test('every exports target exists in the installed package', () => {
  const all = Object.values(pkg.exports).flatMap(targets);
  assert.ok(all.length >= 4);
  for (const t of all) assert.ok(existsSync(path.join(dir, t)), `${t} is missing from the tarball`);
});

test('"." has types first, then the ES module', () => {
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'default']);
  assert.equal(pkg.type, 'module');
  assert.equal(fileURLToPath(import.meta.resolve('rtcroom')), path.join(dir, 'index.js'));
  assert.equal(fileURLToPath(import.meta.resolve('rtcroom/rtcroom_bg.wasm')), path.join(dir, 'rtcroom_bg.wasm'));
});

test('both wasm builds next to index.js (mesh, SFU) are WebAssembly modules', () => {
  for (const file of ['rtcroom_bg.wasm', 'rtcroom_sfu_bg.wasm']) {
    const bytes = readFileSync(path.join(dir, file));
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], file);
    assert.ok(WebAssembly.validate(bytes), file);
  }
});
