// Drops wasm-bindgen's closure invoke shims from the function table, so
// that wasm-opt can remove the ones nothing else uses.
//
// Why they are there: every `Closure`/`&dyn FnMut` type in a linked crate's
// bindings has a describe function that passes its invoke shim's address to
// wasm-bindgen (`inform(invoke::<…> as usize)`). Taking the address puts the
// shim in the table, and the describe functions are exported until
// wasm-bindgen has run them; so js-sys's shims for callbacks the SDK never
// makes (typed-array `forEach`, `Array.find`, `Set.forEach`, …) stay in the
// table, hence in the module, ~1.9 KB raw. After wasm-bindgen nothing reads
// those addresses: the shims JS calls are exports, the table is not exported,
// and Rust code never stores an invoke shim's address (only describe
// functions, which wasm-bindgen has removed, did). Each entry becomes a stub
// that traps, so a call that did reach one would fail loudly, not misbehave.
//   node scripts/prune-closure-shims.mjs IN.wasm [OUT.wasm]   (OUT defaults to IN)
// Run by scripts/build between wasm-bindgen and wasm-opt (the shims are
// found by name; wasm-opt then drops the name section).
import fs from 'node:fs';
import binaryen from 'binaryen';

const [input, output = input] = process.argv.slice(2);
if (!input) {
  console.error('usage: node scripts/prune-closure-shims.mjs IN.wasm [OUT.wasm]');
  process.exit(2);
}
const module = binaryen.readBinary(fs.readFileSync(input));
// The features scripts/build gives wasm-opt, as in reorder-functions.mjs.
const F = binaryen.Features;
module.setFeatures(F.MutableGlobals | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt
  | F.SignExt | F.ReferenceTypes | F.CallIndirectOverlong | F.Multivalue);
const shim = /::convert::closures::.*::invoke::</;
const stub = '__rtcroom_pruned_closure_shim';
let pruned = 0;
let named = 0;
module.addFunction(stub, binaryen.none, binaryen.none, [], module.unreachable());
const segments = [];
for (let i = 0; i < module.getNumElementSegments(); i++) {
  segments.push(binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(i)));
}
for (const seg of segments) {
  const offset = binaryen.getExpressionInfo(seg.offset);
  // Only the linker's active segment at a constant offset (what LLD writes).
  if (!seg.table || offset.id !== binaryen.ConstId) continue;
  named += seg.data.filter((f) => f.includes('::')).length;
  const data = seg.data.map((f) => (shim.test(f) ? (pruned++, stub) : f));
  module.removeElementSegment(seg.name);
  module.addActiveElementSegment(seg.table, seg.name, data, module.i32.const(offset.value));
}
// Without names (a stripped build) nothing can be found: say so, change nothing.
if (named === 0) {
  console.log(`${input}: no function names, closure shims left in the table`);
  process.exit(0);
}
if (!module.validate()) throw new Error(`${input}: invalid after pruning`);
// Keep the names (wasm-opt drops them later unless asked with -g).
binaryen.setDebugInfo(true);
fs.writeFileSync(output, module.emitBinary());
module.dispose();
console.log(`${output}: ${pruned} closure invoke shims dropped from the function table`);
