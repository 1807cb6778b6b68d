// Diagnostics of the core's decisions (core.ts), which say.ts's report() puts into words on
// stderr. Plain constants; the tests read REFUSALS_SHOWN.

/** A control record named pid <= 0: refused, no system call made. (a = pid, b = signal) */
export const REPORT_BAD_PID = 1;
/** A control record named a signal outside 0..SIGNAL_MAX: refused. (a = pid, b = signal) */
export const REPORT_BAD_SIGNAL = 2;
/** kill failed for a child (EPERM on a setuid descendant, ...). (a = pid, b = -errno) */
export const REPORT_KILL_FAILED = 3;
/** Control EOF with a partial record left over: ignored. (a = bytes left, b = 0) */
export const REPORT_PARTIAL_CONTROL = 4;
/** The status reader went away: records are no longer written. (a = -errno, b = 0) */
export const REPORT_STATUS_GONE = 5;
/** waitid failed unexpectedly (not ECHILD). (a = -errno, b = 0 in the reaping sweep, or
 *  the pid of the control record whose "is it my child?" probe failed: refused) */
export const REPORT_WAIT_FAILED = 6;
/** The children list could not be read during tear-down. (a = -errno, b = 0) */
export const REPORT_CHILDREN_FAILED = 7;
/** Refused control records beyond the first REFUSALS_SHOWN are not reported one by one
 *  (10 MB of hostile input would be 100+ MB of stderr); instead this count goes out when
 *  it reaches a power of two and once more at control EOF. (a = refused so far, b = 0) */
export const REPORT_REFUSED_COUNT = 8;
/** How many refused control records are reported one by one. */
export const REFUSALS_SHOWN = 10;
