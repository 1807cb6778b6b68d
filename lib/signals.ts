// What each signal means, in the words execa prints after a signal's name ("Command was
// killed with SIGTERM (Termination)"). The texts are those of human-signals (Apache-2.0),
// the table execa reads; kept here as a table keyed by number, since the names come from
// the codec (codec/names.ts) and a signal number is all a status record carries.
import { signalName } from '../codec/index.ts';
import { SIGNAL_MAX } from '../assembly/protocol.ts';

const DESCRIPTIONS: ReadonlyArray<string | undefined> = [
  undefined,
  'Terminal closed',
  'User interruption with CTRL-C',
  'User interruption with CTRL-\\',
  'Invalid machine instruction',
  'Debugger breakpoint',
  'Aborted',
  'Bus error due to misaligned, non-existing address or paging error',
  'Floating point arithmetic error',
  'Forced termination',
  'Application-specific signal',
  'Segmentation fault',
  'Application-specific signal',
  'Broken pipe or socket',
  'Timeout or timer',
  'Termination',
  'Stack is empty or overflowed',
  'Child process terminated, paused or unpaused',
  'Unpaused',
  'Paused',
  'Paused using CTRL-Z or "suspend"',
  'Background process cannot read terminal input',
  'Background process cannot write to terminal output',
  'Socket received out-of-band data',
  'Process timed out',
  'File too big',
  'Timeout or timer',
  'Timeout or timer',
  'Terminal window size changed',
  'I/O is available',
  'Device running out of power',
  'Invalid system call',
];
const NAMED = new Map<string, number>();
for (let n = 1; n <= SIGNAL_MAX; n++) NAMED.set(signalName(n), n);

/** 'Termination' for 'SIGTERM' (or 15); 'Application-specific signal (realtime)' for
 *  'SIGRTMIN+2'; undefined for no signal. */
export function signalDescription(sig: string | number | undefined): string | undefined {
  if (sig === undefined) return undefined;
  const n = typeof sig === 'number' ? sig : NAMED.get(sig);
  if (n === undefined) return undefined;
  return DESCRIPTIONS[n] ?? (n >= 34 && n <= SIGNAL_MAX ? 'Application-specific signal (realtime)' : signalName(n));
}
