/// <reference types="node" preserve="true" />
// The declarations use Node's types (streams, NodeJS.Signals, Buffer): a consumer gets them
// without `"types": ["node"]` in its tsconfig, as execa's consumers do.
// supervise as a library: spawn a command under its own supervise and get a handle that
// cannot lie. The algorithm:
//   1. start `supervise --status-fd 3 --control-fd 3 -- FILE ARGS` with a socketpair as fd 3;
//   2. read status records from fd 3: "spawned" gives the pid, then one per reaped process;
//      the main child's record settles wait(); every record feeds events();
//   3. kill()/signal() write control records to fd 3 (supervise signals only its unreaped
//      child, so a recycled pid is never hit); close() shuts fd 3 for writing (control EOF:
//      supervise SIGKILLs the tree);
//   4. EOF on fd 3 means supervise has exited, which it does only once no child is left:
//      that, and the end of piped stdout/stderr, settles `await`.
// .pipe() is lib/pipe.ts's, which registers itself with Subprocess as it loads.
import './pipe.ts';

export { spawn, Subprocess, type IterableOptions } from './spawn.ts';
export { spawnSync } from './sync.ts';
export { SubprocessError, type Output, type Result } from './errors.ts';
export type { ExitStatus, Resources } from './events.ts';
export type { AllOutput, Options, OutputOf, PerStream, ResultOutput, StdioOption, Verbose } from './options.ts';
// .pipe() and the $ template
export { $, type SyncTemplateFunction, type TemplateFunction, type TemplateValue } from './template.ts';
export type { PipeMethod, PipeOptions, PipeTemplate, Piped, PipedResult } from './pipe.ts';
