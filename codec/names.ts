// Linux (x86-64) signal and errno names for `supervise decode`, the library (lib/) and the
// viewer (web/): the tables are assembly/names.ts (core.wasm names errnos from the same
// one); here the rules around them (the real-time signals, a name back to its number).
// web/ runs without Node's os and util modules, so the names cannot come from there.
// test/names.test.ts pins that the three give the same name to every signal
// 1..SIGNAL_MAX and every errno.
import { SIGNAL_MAX } from '../assembly/protocol.ts';
import { ERRNO_NAMES, SIGNAL_NAMES } from '../assembly/names.ts';

/** "SIGTERM" for 15, "SIGRTMIN+2" for 36, "SIGRTMAX" for 64, "signal 99" when it has no
 *  name (as bash's `kill -l` names them; 32 and 33 are glibc's own, "SIG32"/"SIG33"). */
export function signalName(sig: number): string {
  if (sig >= 1 && sig < SIGNAL_NAMES.length) return SIGNAL_NAMES[sig];
  if (sig === 32 || sig === 33) return `SIG${sig}`;
  if (sig === 34) return 'SIGRTMIN';
  if (sig === SIGNAL_MAX) return 'SIGRTMAX';
  if (sig > 34 && sig <= 49) return `SIGRTMIN+${sig - 34}`;
  if (sig >= 50 && sig < SIGNAL_MAX) return `SIGRTMAX-${SIGNAL_MAX - sig}`;
  return `signal ${sig}`;
}

/** The number of a signal given as a number ("15"), a name ("SIGTERM", "term", "RTMIN+2"),
 *  or null when it is not one (0 is the null signal and is accepted). */
export function signalNumber(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= SIGNAL_MAX ? n : null;
  }
  const name = `SIG${t.toUpperCase().replace(/^SIG/, '')}`.replace(/\s+/g, '');
  for (let n = 1; n <= SIGNAL_MAX; n++) if (signalName(n) === name) return n;
  if (name === 'SIGIOT') return 6;
  if (name === 'SIGPOLL') return 29;
  return null;
}

/** The highest errno with a name here (EHWPOISON). */
export const ERRNO_NAMED = ERRNO_NAMES.length - 1;

/** "ENOENT" for 2 (or -2); "E4000" when it has no name. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return ERRNO_NAMES[n] || `E${n}`;
}
