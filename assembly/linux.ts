// The kernel, as core.wasm sees it: host imports, declared here and implemented by
// cli/ with shim calls (or by a fake kernel in test/). Only numbers cross: pointers
// and lengths into this module's memory, results >= 0 or -errno. codec.wasm never
// imports this file.

/** waitid(2) as the raw system call: fills 128 bytes at `info` (zeroed by the host
 *  first) and, when `rusage` is not 0, a struct rusage there. 0 or -errno. */
// @ts-ignore: decorator
@external("linux", "waitid")
export declare function waitid(idtype: i32, id: i32, info: usize, options: i32, rusage: usize): i32;

/** kill(2). 0 or -errno. */
// @ts-ignore: decorator
@external("linux", "kill")
export declare function kill(pid: i32, sig: i32): i32;

/** The pids of this process's children (every thread's children list), written as
 *  int32 at `buf`, at most `capacity` of them. Returns how many there are (which may
 *  be more than `capacity`: call again with a larger buffer) or -errno. */
// @ts-ignore: decorator
@external("linux", "children")
export declare function children(buf: usize, capacity: i32): i32;

/** Whether one status record can be written now without blocking:
 *  1 yes, 0 not now (the host wakes the core when it can), -errno the reader is gone. */
// @ts-ignore: decorator
@external("linux", "statusReady")
export declare function statusReady(): i32;

/** write(2) of one whole status record on the status fd. Bytes written or -errno. */
// @ts-ignore: decorator
@external("linux", "writeStatus")
export declare function writeStatus(ptr: usize, len: i32): i32;

/** A diagnostic for stderr: `what` is one of the REPORT_* codes of report.ts. */
// @ts-ignore: decorator
@external("linux", "report")
export declare function report(what: i32, a: i32, b: i32): void;
