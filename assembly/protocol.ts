// The wire protocol of supervise, byte-compatible with catern's C supervise
// (supervise_protocol.h) and the Linux x86-64 siginfo_t layout.
// Plain constants only: this file is compiled by asc into the Wasm modules and
// imported as-is by the TypeScript sides (codec/, cli/, lib/, test/): the one home of
// every number of the protocol (ARCHITECTURE.md, "The wire protocol").

/** Control record, owner -> supervise: { int32 pid; int32 signal; } */
export const CONTROL_SIZE = 8;
export const CONTROL_PID = 0;
export const CONTROL_SIGNAL = 4;

/** Status record, supervise -> owner: one siginfo_t (128 bytes) per reaped child. */
export const STATUS_SIZE = 128;
export const SI_SIGNO = 0; // int32
export const SI_ERRNO = 4; // int32
export const SI_CODE = 8; // int32
export const SI_PID = 16; // int32
export const SI_UID = 20; // int32
export const SI_STATUS = 24; // int32
export const SI_UTIME = 32; // int64, clock ticks
export const SI_STIME = 40; // int64, clock ticks

// si_signo: SIGCHLD (with the signals below) for every record the kernel produces for a child.
/** si_signo of the records supervise adds itself (launch mode); si_code says which. */
export const SIGNO_SUPERVISE = 0;

// si_code for SIGCHLD (asm-generic/siginfo.h)
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_TRAPPED = 4;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

// si_code for si_signo = SIGNO_SUPERVISE (supervise's own records, version 1)
/** The command was started: si_pid = its pid. */
export const SUP_SPAWNED = 0x5301;
/** The command could not be started: si_errno = the errno, si_pid = 0. */
export const SUP_SPAWN_FAILED = 0x5302;
/** Events log only (version 2), never on the status fd: supervise opened the log, once per
 *  run; si_pid = supervise's own pid (its identity is the reference for escapes). */
export const SUP_STARTED = 0x5303;
/** Launch mode with a kill mechanism beyond the subreaper asked for (--cgroup, --max-pids,
 *  --max-memory, --pid-ns), before `spawned` (protocol mode with --cgroup, --max-pids or
 *  --max-memory: the first record, once the children are in the leaf): which mechanisms hold the tree
 *  (si_status = LAYER_* bits) and the cgroup leaf's path, LAYERS_CHUNK bytes per record
 *  (si_uid = the path's length, 0 without a leaf; si_utime = this chunk's offset in it;
 *  bytes 48..127 the chunk, NUL-padded): ceil(length / 80) records, one when it is 0. */
export const SUP_LAYERS = 0x5304;
/** Launch or protocol mode with a cgroup leaf: what the whole tree cost (the leaf's cpu.stat,
 *  memory.peak, pids.peak), read before the leaf is removed; the run's last record.
 *  si_pid = supervise's own pid; int64 fields at TOTALS_*. */
export const SUP_TOTALS = 0x5305;

// The layers record (SUP_LAYERS): which kill mechanisms hold the tree (a bit set in si_status).
/** The subreaper: always. */
export const LAYER_SUBREAPER = 1;
/** A cgroup v2 leaf of the tree's own (cgroup.kill at tear-down). */
export const LAYER_CGROUP = 2;
/** A PID namespace whose init is the inner supervise (--pid-ns). */
export const LAYER_PID_NS = 4;
export const LAYERS_KNOWN = 7;
/** Where a chunk of the path is within the record, and how long a chunk is at most. */
export const LAYERS_PATH = 48;
export const LAYERS_CHUNK = 80;
/** The longest leaf path a layers record carries (PATH_MAX less its NUL). */
export const LAYERS_PATH_MAX = 4095;

// The totals record (SUP_TOTALS): int64 fields within the record.
/** cpu.stat usage_usec, user_usec, system_usec: CPU time of the whole tree, µs. */
export const TOTALS_CPU = 48;
export const TOTALS_USER_CPU = 56;
export const TOTALS_SYSTEM_CPU = 64;
/** memory.peak in bytes, pids.peak: -1 where the controller is not enabled for the leaf. */
export const TOTALS_MEMORY_PEAK = 72;
export const TOTALS_PIDS_PEAK = 80;
/** The bytes after the last field (88..127), zero. */
export const TOTALS_END = 88;

/** Largest valid signal number on Linux (SIGRTMAX). 0 is the null signal. */
export const SIGNAL_MAX = 64;

// waitid(2)
export const P_ALL = 0;
export const P_PID = 1;
export const WNOHANG = 1;
export const WSTOPPED = 2;
export const WEXITED = 4;
export const WCONTINUED = 8;
export const WNOWAIT = 0x1000000;

/** Size of struct rusage on x86-64; ru_utime at 0, ru_stime at 16 (struct timeval). */
export const RUSAGE_SIZE = 144;

// The errno numbers (x86-64) the program, its hosts and the library name, all of them
// here: a spawn-failed record carries one, and lib/ and web/ may import this file but not
// sys.ts. Their names are in names.ts.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOSPC = 28;
export const EPIPE = 32;

// What statusKind() (codec) makes of a status record: 1..6 are the si_code of a
// SIGCHLD record, 16 and up supervise's own records. Negative = invalid (ERR_*).
export const KIND_EXITED = 1;
export const KIND_KILLED = 2;
export const KIND_DUMPED = 3;
export const KIND_TRAPPED = 4;
export const KIND_STOPPED = 5;
export const KIND_CONTINUED = 6;
export const KIND_SPAWNED = 16;
export const KIND_SPAWN_FAILED = 17;
export const KIND_STARTED = 18;
export const KIND_LAYERS = 19;
export const KIND_TOTALS = 20;

// Why the codec rejects a record or a call (always negative; checked in this order).
/** si_signo is neither SIGCHLD nor SIGNO_SUPERVISE. */
export const ERR_SIGNO = -1;
/** si_code is not one of the codes defined for that si_signo. */
export const ERR_CODE = -2;
/** A non-zero byte at 12..15, 28..31 or 48..127. */
export const ERR_PADDING = -3;
/** si_pid <= 0 (SIGCHLD, spawned) or not 0 (spawn failed). */
export const ERR_PID = -4;
/** si_errno not 0 (SIGCHLD, spawned) or outside 1..ERRNO_MAX (spawn failed). */
export const ERR_ERRNO = -5;
/** CLD_EXITED with si_status outside 0..255. */
export const ERR_EXIT_STATUS = -6;
/** Killed, dumped, stopped, continued: si_status outside 1..SIGNAL_MAX;
 *  trapped: low 7 bits outside 1..SIGNAL_MAX or above 0xffff (ptrace event << 8). */
export const ERR_SIGNAL = -7;
/** si_utime or si_stime negative (SIGCHLD records). */
export const ERR_TIME = -8;
/** A feed length outside 0..inputCapacity(). */
export const ERR_LENGTH = -9;
/** A field of supervise's own layers or totals record out of range (layer bits, the path's
 *  length or a chunk's offset, a NUL inside the path, a peak below -1, si_uid or si_status
 *  of a totals record not 0). */
export const ERR_FIELD = -10;

/** Largest errno a "spawn failed" record may carry (the kernel's MAX_ERRNO). */
export const ERRNO_MAX = 4095;

// core.wasm's pump() result, a bit set.
/** No child is left: the host exits with exitCode(). */
export const FLAG_EXIT = 1;
/** A status record waits for the status fd: call pump() again once it is writable. */
export const FLAG_WANT_WRITABLE = 2;
/** Tear-down is in progress. */
export const FLAG_TEARDOWN = 4;
/** Launch mode: the main child has been reaped (mainCode()/mainStatus() are set). Stays set. */
export const FLAG_MAIN_EXITED = 8;

// Launch mode.
/** launchSignal()/timeout() result: the host starts its --grace timer, then calls
 *  graceExpired() when it fires. */
export const LAUNCH_START_GRACE = 1;
/** Exit statuses (docs/cli.md, "Exit status"). Launch mode: the command's own, or
 *  EXIT_SIGNAL_BASE + N when signal N killed it (protocol mode: when N tore it down). */
export const EXIT_SIGNAL_BASE = 128;
export const EXIT_TIMEOUT = 124;
export const EXIT_CANNOT_RUN = 126;
export const EXIT_NOT_FOUND = 127;
/** A usage error: 125 as timeout(1), env(1), nice(1) use for their own failures, where a
 *  command wrapper must not look like CMD (2 is a common exit code of commands). */
export const EXIT_USAGE = 125;
/** Protocol mode's and launch mode's own failures (no /proc, cannot become a subreaper). */
export const EXIT_FAILURE = 1;
/** An internal error (a trap, an abort, an exception of a host): the shim's last resort
 *  (shim/linux.h kLastResortStatus, EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;
/** main()'s result when the arguments are for the full command line (--help, a usage
 *  error, decode, report, send, view): the host hands them to the yargs CLI (cli/args.ts). */
export const EXIT_FRONT_END = -1;

// The signal numbers (x86-64) the program, its hosts and the library use by number, all of
// them here: control records carry one, SIGCHLD is the si_signo of every record the kernel
// produces for a child. Their names are in names.ts.
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGKILL = 9;
export const SIGPIPE = 13;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGXFSZ = 25;
export const SIGWINCH = 28;

/** Largest pid Linux can hand out (PID_MAX_LIMIT on 64-bit): the most init() accepts. */
export const PID_MAX_LIMIT = 4194304;

// The saved log of launch mode's `--events FILE` (read by `supervise decode`, `supervise
// report` and web/): a 16-byte header, then one entry per status record, appended as records
// are written. The one home of its layout (docs/protocol.md, "The events file").
//   header: 8 bytes magic "SUPVEVTS", uint32 version, uint32 entry size
//   entry, version 1 (136 bytes): int64 time in microseconds since the Unix epoch
//           (CLOCK_REALTIME), then the 128-byte status record exactly as written on the
//           status fd.
//   entry, version 2 (176 bytes): the version 1 entry, then the process's identity from
//           /proc/PID/stat, read before it is reaped:
//           136 int64 start time, microseconds since the epoch (0 = unknown)
//           144 int32 ppid, 148 int32 pgid, 152 int32 sid (0 = unknown)
//           156 16 bytes comm, NUL-padded (all zero = unknown)
//           172..175 zero (padding to a multiple of 8)
//   entry, version 3 (256 bytes, what supervise writes): the version 2 entry, then what the
//           process cost, from the struct rusage the reaping waitid filled (all int64; all
//           zero on records that reaped nothing: spawned, spawn failed, started):
//           176 user CPU time, µs          184 system CPU time, µs
//           192 peak RSS (ru_maxrss), KiB  200 minor faults   208 major faults
//           216 voluntary context switches 224 involuntary context switches
//           232 blocks read (ru_inblock)   240 blocks written (ru_oublock)
//           then 248 uint32 flags (EVENTS_FLAG_*), 252..255 zero.
//           The names are those of Node's process.resourceUsage().
/** "SUPVEVTS" as the 8 bytes of the header, in order. */
export const EVENTS_MAGIC = [0x53, 0x55, 0x50, 0x56, 0x45, 0x56, 0x54, 0x53];
/** The version supervise writes. */
export const EVENTS_VERSION = 3;
export const EVENTS_HEADER_SIZE = 16;
export const EVENTS_VERSION_AT = 8; // uint32 within the header
export const EVENTS_ENTRY_SIZE_AT = 12; // uint32 within the header
/** Entry size of the version supervise writes (3). */
export const EVENTS_ENTRY_SIZE = 256;
export const EVENTS_V1 = 1;
export const EVENTS_V1_ENTRY_SIZE = 136;
export const EVENTS_V2 = 2;
export const EVENTS_V2_ENTRY_SIZE = 176;
export const EVENTS_V3 = 3;
export const EVENTS_V3_ENTRY_SIZE = 256;
export const EVENTS_TIME = 0; // int64 within an entry
export const EVENTS_RECORD = 8; // the status record within an entry
// Version 2: the identity within an entry.
export const EVENTS_START = 136; // int64, µs since the epoch
export const EVENTS_PPID = 144; // int32
export const EVENTS_PGID = 148; // int32
export const EVENTS_SID = 152; // int32
export const EVENTS_COMM = 156; // 16 bytes
export const EVENTS_COMM_SIZE = 16;
/** Where the identity starts, and its size (start time to the end of comm). */
export const EVENTS_IDENTITY = 136;
export const EVENTS_IDENTITY_SIZE = 36;
// Version 3: the resources within an entry (int64 each), then the flags.
export const EVENTS_USER_CPU = 176; // µs
export const EVENTS_SYSTEM_CPU = 184; // µs
export const EVENTS_MAX_RSS = 192; // KiB
export const EVENTS_MINOR_FAULTS = 200;
export const EVENTS_MAJOR_FAULTS = 208;
export const EVENTS_VOLUNTARY_CS = 216;
export const EVENTS_INVOLUNTARY_CS = 224;
export const EVENTS_FS_READ = 232; // 512-byte blocks
export const EVENTS_FS_WRITE = 240; // 512-byte blocks
/** Where the resources start, and their size (9 int64). */
export const EVENTS_RESOURCES = 176;
export const EVENTS_RESOURCES_SIZE = 72;
export const EVENTS_FLAGS = 248; // uint32
// Flags of a version 3 entry (a bit set).
/** supervise SIGKILLed the process at tear-down (it was alive when tear-down reached it). */
export const EVENTS_FLAG_TORN_DOWN = 1;
/** That tear-down began at the --grace deadline (the main command had not ended in time). */
export const EVENTS_FLAG_GRACE_DEADLINE = 2;
/** supervise forwarded a signal to the process (a TERM/INT/... it caught, --timeout's, or a
 *  control record's) before it died. */
export const EVENTS_FLAG_SIGNALLED = 4;
/** On a `started` entry: the run waits for every process (--wait-all). */
export const EVENTS_FLAG_WAIT_ALL = 8;
/** Every flag this version defines (a decoder rejects the others). */
export const EVENTS_FLAGS_KNOWN = 15;

// struct rusage (Linux, 64-bit: x86-64 and aarch64 alike), the fields the log keeps.
export const RU_UTIME = 0; // struct timeval
export const RU_STIME = 16; // struct timeval
export const RU_MAXRSS = 32; // long, KiB
export const RU_MINFLT = 64;
export const RU_MAJFLT = 72;
export const RU_INBLOCK = 88;
export const RU_OUBLOCK = 96;
export const RU_NVCSW = 128;
export const RU_NIVCSW = 136;
