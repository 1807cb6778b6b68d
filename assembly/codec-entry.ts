// codec.wasm: the protocol codec alone (imports nothing but env.abort), for codec/ (and so
// cli/, lib/, web/ and the tests). Exports only; see codec.ts for who calls what, and
// ARCHITECTURE.md, "The Wasm contract".
export {
  inputBuffer, inputCapacity,
  statusFeed, statusNext, statusPending, statusReset,
  controlFeed, controlNext, controlPending, controlReset,
  statusSigno, statusErrno, statusCode, statusPid, statusUid, statusStatus, statusUtime, statusStime,
  controlPid, controlSignal,
  encodeStatus, encodeControl,
  statusKind,
} from './codec';
