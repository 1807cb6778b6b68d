// Linux (x86-64) signal and errno names, as tables: the one place that names them for
// `supervise decode`, the library (lib/) and the viewer (web/); web/ runs without Node's
// os and util modules, so the names cannot come from there. test/names.test.ts pins
// that the three give the same name to every signal 1..SIGNAL_MAX and every errno.
import { SIGNAL_MAX } from '../assembly/protocol.ts';

const SIGNALS: ReadonlyArray<string | null> = [
  null,
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/** "SIGTERM" for 15, "SIGRTMIN+2" for 36, "SIGRTMAX" for 64, "signal 99" when it has no
 *  name (as bash's `kill -l` names them; 32 and 33 are glibc's own, "SIG32"/"SIG33"). */
export function signalName(sig: number): string {
  if (sig >= 1 && sig < SIGNALS.length) return SIGNALS[sig]!;
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

const ERRNOS: ReadonlyArray<string | null> = [
  null,
  'EPERM',
  'ENOENT',
  'ESRCH',
  'EINTR',
  'EIO',
  'ENXIO',
  'E2BIG',
  'ENOEXEC',
  'EBADF',
  'ECHILD',
  'EAGAIN',
  'ENOMEM',
  'EACCES',
  'EFAULT',
  'ENOTBLK',
  'EBUSY',
  'EEXIST',
  'EXDEV',
  'ENODEV',
  'ENOTDIR',
  'EISDIR',
  'EINVAL',
  'ENFILE',
  'EMFILE',
  'ENOTTY',
  'ETXTBSY',
  'EFBIG',
  'ENOSPC',
  'ESPIPE',
  'EROFS',
  'EMLINK',
  'EPIPE',
  'EDOM',
  'ERANGE',
  'EDEADLK',
  'ENAMETOOLONG',
  'ENOLCK',
  'ENOSYS',
  'ENOTEMPTY',
  'ELOOP',
  null,
  'ENOMSG',
  'EIDRM',
  'ECHRNG',
  'EL2NSYNC',
  'EL3HLT',
  'EL3RST',
  'ELNRNG',
  'EUNATCH',
  'ENOCSI',
  'EL2HLT',
  'EBADE',
  'EBADR',
  'EXFULL',
  'ENOANO',
  'EBADRQC',
  'EBADSLT',
  null,
  'EBFONT',
  'ENOSTR',
  'ENODATA',
  'ETIME',
  'ENOSR',
  'ENONET',
  'ENOPKG',
  'EREMOTE',
  'ENOLINK',
  'EADV',
  'ESRMNT',
  'ECOMM',
  'EPROTO',
  'EMULTIHOP',
  'EDOTDOT',
  'EBADMSG',
  'EOVERFLOW',
  'ENOTUNIQ',
  'EBADFD',
  'EREMCHG',
  'ELIBACC',
  'ELIBBAD',
  'ELIBSCN',
  'ELIBMAX',
  'ELIBEXEC',
  'EILSEQ',
  'ERESTART',
  'ESTRPIPE',
  'EUSERS',
  'ENOTSOCK',
  'EDESTADDRREQ',
  'EMSGSIZE',
  'EPROTOTYPE',
  'ENOPROTOOPT',
  'EPROTONOSUPPORT',
  'ESOCKTNOSUPPORT',
  'EOPNOTSUPP',
  'EPFNOSUPPORT',
  'EAFNOSUPPORT',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'ENETDOWN',
  'ENETUNREACH',
  'ENETRESET',
  'ECONNABORTED',
  'ECONNRESET',
  'ENOBUFS',
  'EISCONN',
  'ENOTCONN',
  'ESHUTDOWN',
  'ETOOMANYREFS',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EALREADY',
  'EINPROGRESS',
  'ESTALE',
  'EUCLEAN',
  'ENOTNAM',
  'ENAVAIL',
  'EISNAM',
  'EREMOTEIO',
  'EDQUOT',
  'ENOMEDIUM',
  'EMEDIUMTYPE',
  'ECANCELED',
  'ENOKEY',
  'EKEYEXPIRED',
  'EKEYREVOKED',
  'EKEYREJECTED',
  'EOWNERDEAD',
  'ENOTRECOVERABLE',
  'ERFKILL',
  'EHWPOISON',
];

/** The highest errno with a name here (EHWPOISON). */
export const ERRNO_NAMED = ERRNOS.length - 1;

/** "ENOENT" for 2 (or -2); "E4000" when it has no name. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return ERRNOS[n] ?? `E${n}`;
}
