// Before the fault tier: delete namespaces left by crashed runs (only those
// whose owner PID is dead), and say why the tier will skip if it cannot run.
import { canRun, sweepStale } from '../../js/playwright-net.js';
import { missingBuild } from './harness.mjs';

export default async function globalSetup() {
  const why = canRun();
  if (why) {
    console.log(`fault tier: every test will be skipped: ${why}`);
    return;
  }
  const missing = missingBuild();
  if (missing) throw new Error(`fault tier: ${missing}`);
  try {
    const removed = sweepStale();
    if (removed.length) console.log(`fault tier: removed stale namespaces of dead runs: ${removed.join(' ')}`);
  } catch (e) {
    console.log(`fault tier: sweeping stale namespaces failed (continuing): ${e.stack || e}`);
  }
}
