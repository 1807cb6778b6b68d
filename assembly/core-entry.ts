// core.wasm: the whole supervise program. A host calls main() (main.ts); the decisions
// (core.ts) are exported too, for the fake-kernel tests. Exports only.
export { main, argBuffer, duration } from './main';
export {
  init,
  controlBuffer, controlCapacity, control, controlEof,
  signal,
  launch, spawned, spawnFailed, launchSignal, timeout, graceExpired,
  pump,
  exitCode, mainCode, mainStatus,
} from './core';
