// One line of text for stderr, built in a static buffer (no allocation) and written with
// one write(2). All of the program's messages go through it (say.ts holds their words).

import { write } from './linux';

const CAP: i32 = 4096;
const line: usize = memory.data(CAP);
let at: i32 = 0;

/** Starts a line with "supervise: ". */
export function begin(): void {
  at = 0;
  str('supervise: ');
}

/** Starts a line without the "supervise: " prefix (the second line of a usage error). */
export function beginPlain(): void {
  at = 0;
}

/** Appends an ASCII string (anything else becomes '?'). */
export function str(s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    byte(c < 0x80 ? c : 0x3f);
  }
}

/** Appends raw bytes (a file name from argv, UTF-8 as given). */
export function bytes(ptr: usize, len: i32): void {
  for (let i = 0; i < len; i++) byte(load<u8>(ptr + <usize>i));
}

/** Appends the NUL-terminated bytes at ptr. */
export function cstr(ptr: usize): void {
  for (let p = ptr; load<u8>(p) != 0; p++) byte(load<u8>(p));
}

/** Appends a decimal number. */
export function num(n: i64): void {
  if (n < 0) {
    byte(0x2d);
    if (n == i64.MIN_VALUE) {
      str('9223372036854775808');
      return;
    }
    n = -n;
  }
  let digits = memory.data(20);
  let k = 0;
  do {
    store<u8>(digits + <usize>(k++), <u8>(0x30 + <i32>(n % 10)));
    n /= 10;
  } while (n > 0);
  while (k > 0) byte(load<u8>(digits + <usize>(--k)));
}

function byte(c: i32): void {
  if (at < CAP - 1) store<u8>(line + <usize>(at++), <u8>c);
}

/** Ends the line with '\n' and writes it to fd 2 (a gone stderr is ignored). */
export function end(): void {
  store<u8>(line + <usize>(at++), 0x0a);
  let done = 0;
  while (done < at) {
    let r = write(2, line + <usize>done, at - done);
    if (r <= 0) break;
    done += r;
  }
  at = 0;
}
