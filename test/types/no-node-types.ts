// A consumer with no global types in its tsconfig (test/types/tsconfig.no-node.json, "types":
// []), as TypeScript 7 has by default: the declarations bring Node's types themselves, and
// stdout is a string when the options pipe it, so strict code can use it at once.
import { $, spawn } from 'supervise';

const hi = await $`echo hi`;
export const trimmed: string = hi.stdout.trim();
export const listed: string[] = (await spawn('ls', [], { lines: true })).stdout;
