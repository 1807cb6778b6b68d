#!/usr/bin/env python3
"""Starts children the way an owner of supervise does, then becomes supervise.

    launch.py [--shared] [--sigchld default|ignore|block] [--pass-fd N]... [--pending-term]
              [--env NAME=VALUE]... [--own-group] [--arg ARG]...
              SUPERVISE CMD...

Sets the child-subreaper flag, starts each CMD as `sh -c CMD` (stdin /dev/null, stdout and
stderr to our stderr, the --pass-fd fds kept open in the child), prints their pids on
stderr as one line `pids: P1 P2 ...`, then execs SUPERVISE with an empty environment and
fds 0 and 1 as given (with --shared, fds 0 and 1 both become fd 4: one socket both ways).
Every other fd is closed in supervise itself.

With --pending-term it blocks SIGTERM and sends it to itself just before the exec: the
owner's "tear it down" said before supervise could be ready. supervise inherits the mask
and the pending signal, and must take it as a tear-down request once its handling is in.
Each --env NAME=VALUE is put into supervise's otherwise empty environment.
With --own-group supervise gets a process group of its own in its caller's session (a group
that is not orphaned, so that the kernel does not discard a TSTP, TTIN or TTOU sent to it).
Each --arg ARG is an argument of SUPERVISE (`--arg --cgroup`: protocol mode's options).
"""
import ctypes
import os
import signal
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv):
    shared, sigchld, pass_fds, pending_term, env, own_group = False, "default", [], False, {}, False
    args = []
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--shared":
            shared = True
        elif opt == "--sigchld":
            sigchld = argv.pop(0)
        elif opt == "--env":
            name, _, value = argv.pop(0).partition("=")
            env[name] = value
        elif opt == "--pending-term":
            pending_term = True
        elif opt == "--own-group":
            own_group = True
        elif opt == "--arg":
            args.append(argv.pop(0))
        elif opt == "--pass-fd":
            pass_fds.append(int(argv.pop(0)))
        else:
            sys.exit(f"launch.py: unknown option {opt}")
    supervise, cmds = argv[0], argv[1:]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"launch.py: prctl: {os.strerror(ctypes.get_errno())}")

    # Keep every Popen alive: a collected one may be waited for by the next Popen call,
    # which would steal its exit status from supervise.
    procs = [subprocess.Popen(["/bin/sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=2,
                              stderr=2, pass_fds=pass_fds, close_fds=True) for cmd in cmds]
    os.write(2, ("pids: " + " ".join(str(p.pid) for p in procs) + "\n").encode())

    if sigchld == "ignore":
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    elif sigchld == "block":
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    if shared:
        os.dup2(4, 0)
        os.dup2(4, 1)
    os.closerange(3, 1 << 16)  # supervise gets fds 0, 1 and 2 only
    if own_group:
        os.setpgid(0, 0)
    # Python ignores SIGPIPE and SIGXFSZ for itself: supervise gets them as a shell gives
    # them to a command, at their default (what the caller ignores, supervise keeps ignored).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    if pending_term:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
        os.kill(os.getpid(), signal.SIGTERM)
    os.execve(supervise, [supervise, *args], env)


if __name__ == "__main__":
    main(sys.argv[1:])
