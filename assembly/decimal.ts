// Decimal numbers in bytes, both ways, with no allocation: what the program reads from /proc
// and cgroup files (decimal()) and what it writes into paths and cgroup.procs (digits()).

/** The decimal digits at the start of the `len` bytes at p (-1 when there are none). */
export function decimal(p: usize, len: i32): i64 {
  let n: i64 = -1;
  for (let i = 0; i < len && i < 19; i++) {
    let c = <i32>load<u8>(p + <usize>i) - 0x30;
    if (c < 0 || c > 9) break;
    n = (n < 0 ? 0 : n * 10) + <i64>c;
  }
  return n;
}

/** Writes the decimal digits of `n` (>= 0) at p -> how many. */
export function digits(p: usize, n: i32): i32 {
  let len = 0;
  let v = n;
  do {
    len++;
    v /= 10;
  } while (v != 0);
  v = n;
  for (let d = len - 1; d >= 0; d--) {
    store<u8>(p + <usize>d, <u8>(0x30 + v % 10));
    v /= 10;
  }
  return len;
}
