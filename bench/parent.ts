// A Node process that runs SCRIPT with one library, then waits to be killed.
// Usage: node --import tsx bench/parent.ts LIBRARY SCRIPT   (PIDFILE in the environment)
import { RUNNERS } from './runners.ts';

const [name, script] = process.argv.slice(2);
RUNNERS[name](script, {});
setInterval(() => {}, 1 << 30);
