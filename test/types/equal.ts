// Type-level assertions for the consumer files of test/types/ (compiled, never run).

/** true when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when T is true: `expect<Equal<typeof x, string>>()`. */
export function expect<T extends true>(value?: T): T | undefined {
  return value;
}
