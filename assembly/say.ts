// The words of every message supervise prints on stderr, in one place. Each function
// writes one line "supervise: ..." through out.ts.

import { begin, beginPlain, str, num, bytes, cstr, end } from './out';
import {
  REPORT_BAD_PID, REPORT_BAD_SIGNAL, REPORT_KILL_FAILED, REPORT_PARTIAL_CONTROL,
  REPORT_STATUS_GONE, REPORT_WAIT_FAILED, REPORT_CHILDREN_FAILED, REPORT_REFUSED_COUNT,
  REFUSALS_SHOWN,
} from './report';
import { EPERM, EMFILE, ENFILE, EBADF, ENOENT, EVENTS_VERSION, LAYER_CGROUP, LAYER_PID_NS } from './protocol';
import { ERRNO_NAMES } from './names';

// errno -> text (the strerror wording), for the errnos supervise meets; names.ts names them.
const ERRNO_TEXTS: string[] = [
  '', 'Operation not permitted', 'No such file or directory', 'No such process',
  'Interrupted system call', 'Input/output error', 'No such device or address',
  'Argument list too long', 'Exec format error', 'Bad file descriptor', 'No child processes',
  'Resource temporarily unavailable', 'Cannot allocate memory', 'Permission denied',
  'Bad address', 'Block device required', 'Device or resource busy', 'File exists',
  'Invalid cross-device link', 'No such device', 'Not a directory', 'Is a directory',
  'Invalid argument', 'Too many open files in system', 'Too many open files',
  'Inappropriate ioctl for device', 'Text file busy', 'File too large', 'No space left on device',
  'Illegal seek', 'Read-only file system', 'Too many links', 'Broken pipe',
  'Numerical argument out of domain', 'Numerical result out of range',
  'Resource deadlock avoided', 'File name too long', 'No locks available',
  'Function not implemented', 'Directory not empty', 'Too many levels of symbolic links',
];

/** Writes "ENOENT" for 2 or -2; "E123" beyond the table (as codec/names.ts errnoName()). */
function writeErrnoName(e: i32): void {
  let n = e < 0 ? -e : e;
  if (n > 0 && n < ERRNO_NAMES.length && ERRNO_NAMES[n].length > 0) str(ERRNO_NAMES[n]);
  else {
    str('E');
    num(n);
  }
}

/** "No such file or directory" for 2 or -2; "error 123" beyond the table. */
function errnoText(e: i32): void {
  let n = e < 0 ? -e : e;
  if (n > 0 && n < ERRNO_TEXTS.length) str(ERRNO_TEXTS[n]);
  else {
    str('error ');
    num(n);
  }
}

function tooManyFiles(e: i32): void {
  if (e == -EMFILE || e == -ENFILE) str(' (too many open files: raise `ulimit -n`)');
}

/** A diagnostic of the core's decisions (report.ts codes). */
export function report(what: i32, a: i32, b: i32): void {
  if (what == REPORT_STATUS_GONE) return; // the owner closed its end: the usual way to end
  begin();
  if (what == REPORT_BAD_PID) {
    str('refused a control record for pid '); num(a);
    str(' (signal '); num(b); str('): pids <= 0 are never signalled');
  } else if (what == REPORT_BAD_SIGNAL) {
    str('refused a control record for pid '); num(a); str(': '); num(b); str(' is not a signal number');
  } else if (what == REPORT_KILL_FAILED) {
    str('could not signal pid '); num(a); str(': '); writeErrnoName(b); str('; going on');
  } else if (what == REPORT_REFUSED_COUNT) {
    str('refused '); num(<i64><u32>a); str(' malformed control records so far (only the first ');
    num(REFUSALS_SHOWN); str(' are shown one by one)');
  } else if (what == REPORT_PARTIAL_CONTROL) {
    str('the control stream ended inside a record ('); num(a); str(' of 8 bytes); ignored');
  } else if (what == REPORT_WAIT_FAILED) {
    str('waitid failed: '); writeErrnoName(a);
  } else if (what == REPORT_CHILDREN_FAILED) {
    str('cannot list children: '); writeErrnoName(a);
  } else {
    str('report '); num(what); str(' '); num(a); str(' '); num(b);
  }
  end();
}

// --- set-up

export function stdioClosed(fd: i32, e: i32): void {
  begin(); str('fd '); num(fd); str(' was closed at start and /dev/null cannot be opened on it: '); errnoText(e); end();
}

export function cannotCatchSignals(e: i32): void {
  begin(); str('cannot install signal handlers: '); writeErrnoName(e); end();
}

export function noProc(): void {
  begin(); str('/proc is not mounted: supervise needs it to find the processes it adopts'); end();
}

export function cannotReadStat(e: i32): void {
  begin(); str('cannot read /proc/self/stat: '); writeErrnoName(e); tooManyFiles(e); end();
}

export function foreignProc(): void {
  begin();
  str('/proc belongs to another PID namespace: mount one for this namespace (e.g. unshare --pid --fork --mount-proc)');
  end();
}

export function cannotSubreap(e: i32): void {
  begin();
  str('cannot become a child subreaper: prctl(PR_SET_CHILD_SUBREAPER) failed with '); writeErrnoName(e);
  if (e == -EPERM) str(' (a sandbox forbids it)');
  end();
}

export function cannotEpoll(e: i32): void {
  begin(); str('epoll_create1: '); writeErrnoName(e); end();
}

export function cannotWatchControl(fd: i32, e: i32): void {
  begin(); str('cannot watch the control fd '); num(fd); str(': '); writeErrnoName(e); end();
}

export function cannotListChildren(e: i32): void {
  begin(); str('cannot list children: '); writeErrnoName(e); tooManyFiles(e); end();
}

/** --status-fd N / --control-fd N that cannot be used (name: "status-fd" or "control-fd"). */
export function badFd(name: string, fd: i32, e: i32): void {
  begin(); str('--'); str(name); str(' '); num(fd); str(': ');
  if (e == -EBADF) str('not an fd supervise was given (Bad file descriptor)');
  else errnoText(e);
  end();
  tryHelp();
}

export function eventsTwice(): void {
  begin(); str('--events and --events-fd: give one of them'); end();
  tryHelp();
}

/** The second line of a usage error (EXIT_USAGE), as the front end's (cli/messages.ts). */
function tryHelp(): void {
  beginPlain(); str("Try 'supervise --help' for more information."); end();
}

export function cannotOpenEvents(file: usize, e: i32): void {
  begin(); str('--events '); cstr(file); str(': '); errnoText(e); end();
}

export function eventsNotOurs(file: usize): void {
  begin(); str('--events '); cstr(file);
  str(': not an events log of version '); num(EVENTS_VERSION);
  str(' with whole entries (supervise appends only to its own; use another file)');
  end();
}

export function cannotWriteEvents(e: i32): void {
  begin(); str('cannot write the events file: '); errnoText(e); str(' (no more entries are written)'); end();
}

export function cannotSpawn(file: usize, len: i32, e: i32): void {
  begin(); bytes(file, len); str(': '); errnoText(e); end();
}

export function cannotSpawnInNamespace(file: usize, len: i32, e: i32): void {
  begin(); str('--pid-ns: cannot start '); bytes(file, len); str(' in a new PID namespace: '); errnoText(e);
  str(' (namespaces need root, or unprivileged user namespaces: see kernel.unprivileged_userns_clone, user.max_user_namespaces)');
  end();
}

/** --cgroup without a writable cgroup v2 (e: cgroup.ts cgroupCreate()'s error). */
export function noCgroup(e: i32): void {
  begin(); str('--cgroup: ');
  if (e == -ENOENT) str('no cgroup v2 hierarchy shows this process\'s cgroup, or the kernel has no cgroup.kill (Linux < 5.14)');
  else {
    str('cannot make a leaf cgroup here: '); errnoText(e);
  }
  str('; going on with the subreaper alone');
  end();
}

/** --verbose: which kill mechanisms hold the tree (LAYER_* bits), and the leaf's path. */
export function layers(bits: i32, leaf: usize): void {
  begin(); str('layers: subreaper');
  if ((bits & LAYER_CGROUP) != 0) {
    str(', cgroup v2 '); cstr(leaf);
  }
  if ((bits & LAYER_PID_NS) != 0) str(', pid namespace');
  end();
}

/** Protocol mode's --cgroup: a descendant the kernel would not move into the leaf (e:
 *  the error of writing its pid to cgroup.procs; EPERM, EACCES: another user's). */
export function cannotGather(pid: i32, leaf: usize, e: i32): void {
  begin(); str('--cgroup: cannot move pid '); num(pid); str(' into '); cstr(leaf); str(': '); errnoText(e);
  str('; the subreaper alone holds it');
  end();
}

/** Protocol mode's --cgroup: `passes` passes still found descendants outside the leaf. */
export function gatherOutrun(passes: i32, leaf: usize): void {
  begin(); str('--cgroup: after '); num(passes);
  str(' passes processes were still being started outside '); cstr(leaf);
  str(' (a fork storm?); going on with those moved, the subreaper alone holds the rest');
  end();
}

/** The leaf could not be removed at exit. */
export function cgroupLeft(path: usize, e: i32): void {
  begin(); str('--cgroup: cannot remove '); cstr(path); str(': '); errnoText(e); end();
}

/** A limit without a writable cgroup v2 (e: cgroup.ts cgroupCreate()'s error). */
export function cannotLimit(option: string, e: i32): void {
  begin(); str(option); str(': ');
  if (e == -ENOENT) str('no cgroup v2 hierarchy shows this process\'s cgroup, or the kernel has no cgroup.kill (Linux < 5.14)');
  else {
    str('cannot make a leaf cgroup here: '); errnoText(e);
  }
  end();
}

/** A limit whose controller is not enabled for the leaf (e: the error of writing it). */
export function noController(option: string, controller: string, parent: usize, e: i32): void {
  begin(); str(option); str(': ');
  if (e == -ENOENT) {
    str('the '); str(controller); str(' controller is not enabled for cgroups under '); cstr(parent);
    str(' (its cgroup.subtree_control has no '); str(controller); str(')');
  } else {
    str('cannot set '); str(controller); str('.max: '); errnoText(e);
  }
  end();
}
