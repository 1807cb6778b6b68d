// The arguments: read from the host once (argLen/argRead), kept NUL-terminated in the
// heap, and parsed by hand for the forms programs use:
//   supervise                                   protocol mode
//   supervise [options]                         protocol mode with the options it takes
//                                               (options.ts readers PROTOCOL: --cgroup, ...)
//   supervise [options] -- CMD [ARG...]         launch mode
// Anything else (--help, a usage error, decode, report, send, view) is for the full command line
// (cli/args.ts, yargs), which accepts the same forms with the same meaning.

import { argLen, argRead } from './linux';
import { SIGNAL_MAX } from './protocol';
import { LAUNCH_OPTIONS, FLAG, FD, DURATION, FILE, SIGNAL, COUNT, SIZE, PROTOCOL } from './options';

/** How many arguments there are, and each one's bytes (NUL-terminated) and length. */
export let argc: i32 = 0;
let argPtrs: usize = 0;
let argLens: usize = 0;

/** Each launch option's value, in the order of LAUNCH_OPTIONS (valid after parseLaunch()
 *  returned true; read with option()). */
const values = new StaticArray<i32>(LAUNCH_OPTIONS.length);
/** Index of CMD among the arguments (argc in protocol mode). */
export let cmdIndex: i32 = 0;
/** parseLaunch() found `-- CMD` (launch mode); false: protocol mode's options alone. */
export let hasCommand = false;

/** Called by main() first: copies the host's arguments into the heap. */
export function loadArgs(): void {
  let n = 0;
  while (argLen(n) >= 0) n++;
  argc = n;
  argPtrs = heap.alloc(<usize>max(n, 1) << 2);
  argLens = heap.alloc(<usize>max(n, 1) << 2);
  for (let i = 0; i < n; i++) {
    let len = argLen(i);
    let p = heap.alloc(<usize>len + 1);
    argRead(i, p);
    store<u8>(p + <usize>len, 0);
    store<u32>(argPtrs + (<usize>i << 2), <u32>p);
    store<i32>(argLens + (<usize>i << 2), len);
  }
}

/** Argument i's bytes (NUL-terminated). */
export function arg(i: i32): usize {
  return <usize>load<u32>(argPtrs + (<usize>i << 2));
}

/** Argument i's length in bytes. */
export function argLength(i: i32): i32 {
  return load<i32>(argLens + (<usize>i << 2));
}

/** Whether the NUL-terminated bytes at p are exactly s (ASCII). */
function equals(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let i = 0; i < len; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** A decimal fd number of 1 to 9 digits filling all of [p, p + len), or -1. */
function parseFd(p: usize, len: i32): i32 {
  if (len < 1 || len > 9) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    let c = <i32>load<u8>(p + <usize>i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** "100K", "512M", "2G" (either case) at [p, p + len) -> KiB (at most 2^31 - 1), or -1. */
function parseSize(p: usize, len: i32): i32 {
  if (len < 2) return -1;
  let unit = <i32>load<u8>(p + <usize>(len - 1)) | 0x20;
  let shift = unit == 0x6b ? 0 : unit == 0x6d ? 10 : unit == 0x67 ? 20 : -1;
  let n = parseFd(p, len - 1);
  if (shift < 0 || n < 1) return -1;
  let kib = <i64>n << shift;
  return kib > 0x7fffffff ? -1 : <i32>kib;
}

/** "500ms", "10s", "2m", "1.5h", "3" (seconds) at [p, p + len) -> milliseconds
 *  (rounded, at most 2^31 - 1), or -1 if malformed. */
export function parseDuration(p: usize, len: i32): i32 {
  let i = 0;
  let value: f64 = 0;
  let digits = 0;
  while (i < len && isDigit(load<u8>(p + <usize>i))) {
    value = value * 10 + <f64>(load<u8>(p + <usize>i) - 0x30);
    i++;
    digits++;
  }
  if (digits == 0) return -1;
  if (i < len && load<u8>(p + <usize>i) == 0x2e) { // '.'
    i++;
    let scale: f64 = 0.1;
    let fraction = 0;
    while (i < len && isDigit(load<u8>(p + <usize>i))) {
      value += scale * <f64>(load<u8>(p + <usize>i) - 0x30);
      scale /= 10;
      i++;
      fraction++;
    }
    if (fraction == 0) return -1;
  }
  let unit: f64;
  let rest = len - i;
  let u = p + <usize>i;
  if (rest == 0) unit = 1000;
  else if (rest == 2 && load<u8>(u) == 0x6d && load<u8>(u, 1) == 0x73) unit = 1; // ms
  else if (rest == 1 && load<u8>(u) == 0x73) unit = 1000; // s
  else if (rest == 1 && load<u8>(u) == 0x6d) unit = 60000; // m
  else if (rest == 1 && load<u8>(u) == 0x68) unit = 3600000; // h
  else return -1;
  let ms = Math.floor(value * unit + 0.5);
  return ms <= 2147483647 ? <i32>ms : -1;
}

// @ts-ignore: decorator
@inline function isDigit(c: u8): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Launch option i's value (an OPT_* of options.ts), by its kind: a flag's 1 (given) or 0;
 *  an fd's number or -1; a duration's milliseconds, 0: none; a signal's number; a file's
 *  NUL-terminated name (a pointer), 0: none. Not given: the table's `unset`. */
export function option(i: i32): i32 {
  return values[i];
}

/** The option named by [p, p + len) (without the `--`) -> its index, or -1. */
function findOption(p: usize, len: i32): i32 {
  for (let i = 0; i < LAUNCH_OPTIONS.length; i++) if (equals(p, len, LAUNCH_OPTIONS[i].name)) return i;
  return -1;
}

/** The value at [p, p + len) of an option of `kind` (not FLAG), as option() gives it, or -1
 *  if malformed. */
function parseValue(kind: i32, p: usize, len: i32): i32 {
  if (kind == FD) return parseFd(p, len);
  if (kind == SIZE) return parseSize(p, len);
  if (kind == COUNT) {
    let n = parseFd(p, len);
    return n >= 1 ? n : -1;
  }
  if (kind == DURATION) return parseDuration(p, len);
  if (kind == SIGNAL) {
    let n = len <= 2 ? parseFd(p, len) : -1;
    return n >= 1 && n <= SIGNAL_MAX ? n : -1;
  }
  if (kind == FILE) return len == 0 || load<u8>(p) == 0x2d ? -1 : <i32>p;
  return -1;
}

/** Parses the arguments of launch mode, or protocol mode's options (no `--`, only
 *  options of readers PROTOCOL: hasCommand false); false if they are neither form (the host
 *  then hands them to the full command line for help or an error message). */
export function parseLaunch(): bool {
  for (let k = 0; k < LAUNCH_OPTIONS.length; k++) values[k] = <i32>LAUNCH_OPTIONS[k].unset;
  hasCommand = false;
  let launchOnly = false; // an option protocol mode does not take was given
  let i = 0;
  for (; i < argc; i++) {
    let p = arg(i);
    let len = argLength(i);
    if (equals(p, len, '--')) break;
    // --name=value
    let nameLen = len;
    let value: usize = 0;
    let valueLen = 0;
    for (let k = 1; k < len; k++) {
      if (load<u8>(p + <usize>k) == 0x3d) {
        nameLen = k;
        value = p + <usize>k + 1;
        valueLen = len - k - 1;
        break;
      }
    }
    if (nameLen < 3 || load<u8>(p) != 0x2d || load<u8>(p, 1) != 0x2d) return false;
    let o = findOption(p + 2, nameLen - 2);
    if (o < 0) return false;
    let inline = value != 0;
    let kind = <i32>LAUNCH_OPTIONS[o].kind;
    if ((<i32>LAUNCH_OPTIONS[o].readers & PROTOCOL) == 0) launchOnly = true;
    if (kind == FLAG) {
      if (inline) return false;
      values[o] = 1;
      continue;
    }
    if (!inline) {
      if (i + 1 >= argc) return false;
      value = arg(i + 1);
      valueLen = argLength(i + 1);
      i++;
    }
    let v = parseValue(kind, value, valueLen);
    if (v < 0) return false;
    values[o] = v;
  }
  if (i >= argc) {
    cmdIndex = argc;
    return !launchOnly;
  }
  if (i + 1 >= argc || argLength(i + 1) == 0) return false;
  cmdIndex = i + 1;
  hasCommand = true;
  return true;
}

/** Where the pointers of arguments i, i + 1, ... are (u32 each): an argv for spawn(). */
export function argVector(i: i32): usize {
  return argPtrs + (<usize>i << 2);
}
