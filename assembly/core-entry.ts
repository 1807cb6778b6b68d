// core.wasm: the decisions of supervise, reaching the kernel only through linux.ts's
// imports. Exports only; see core.ts for who calls what.
export {
  init,
  controlBuffer, controlCapacity, control, controlEof,
  signal, teardown,
  launch, spawned, spawnFailed, launchSignal, timeout, graceExpired,
  pump,
  exitCode, mainCode, mainStatus,
} from './core';
