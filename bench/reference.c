/* The C reference of the supervise protocol, for the bench's side-by-side rows: the smallest
 * honest C program that does supervise's job, shaped like catern's reference (one poll over
 * the control fd and two signalfds, a waitid sweep per SIGCHLD), plus the sweep at start-up
 * that the original misses.
 *     reference                        protocol mode: control records on fd 0, status on fd 1
 *     reference [--status-fd N] -- CMD [ARG...]   launch mode: starts CMD, exits with its status
 * Every reaped child gives one 128-byte siginfo_t on the status fd. Control EOF, SIGTERM,
 * SIGINT, SIGHUP or SIGQUIT (and, in launch mode, CMD's exit) SIGKILL every child, again
 * for every orphan that comes back, until none is left; no child left: exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static int status_fd = 1, dying = 0, main_status = 0;
static pid_t main_pid = 0;

/* Reaps everything that is waitable; exits when no child is left. */
static void sweep(void) {
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0) {
      if (errno == EINTR) continue;
      exit(main_pid ? main_status : 0); /* ECHILD */
    }
    if (si.si_pid == 0) break;
    if (si.si_pid == main_pid) {
      main_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
      dying = 1;
    }
    if (status_fd >= 0 && write(status_fd, &si, sizeof si) < 0) status_fd = -1; /* reader gone */
  }
  if (dying) kill_children();
}

int main(int argc, char **argv) {
  int control_fd = 0, cmd = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--status-fd") && i + 1 < argc) status_fd = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--")) { cmd = i + 1; break; }
  }
  if (argc > 1) control_fd = -1;
  if (argc > 1 && (!cmd || cmd >= argc)) {
    fprintf(stderr, "usage: reference [--status-fd N] -- CMD [ARG...]\n");
    return 2;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld, fatal, both, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&fatal);
  for (int s = 0, sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT}; s < 4; s++) sigaddset(&fatal, sigs[s]);
  sigorset(&both, &chld, &fatal);
  sigprocmask(SIG_BLOCK, &both, &old);
  int child_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  int fatal_fd = signalfd(-1, &fatal, SFD_CLOEXEC | SFD_NONBLOCK);
  if (cmd) {
    main_pid = fork();
    if (main_pid == 0) {
      sigprocmask(SIG_SETMASK, &old, NULL);
      signal(SIGPIPE, SIG_DFL);
      execvp(argv[cmd], argv + cmd);
      _exit(127);
    }
    if (main_pid < 0) return 71;
  }
  sweep(); /* what exited before the signalfd existed */
  struct pollfd fds[3] = {{control_fd, POLLIN, 0}, {child_fd, POLLIN, 0}, {fatal_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 3, -1) < 0) continue;
    if (fds[0].revents) {
      int rec[2];
      ssize_t n = read(control_fd, rec, sizeof rec);
      if (n == sizeof rec) {
        if (rec[0] > 0 && rec[1] >= 0 && rec[1] <= 64 &&
            waitid(P_PID, rec[0], &(siginfo_t){0}, WEXITED | WNOHANG | WNOWAIT) == 0)
          kill(rec[0], rec[1]); /* only our own unreaped child */
      } else if (n <= 0 && !(n < 0 && errno == EINTR)) {
        fds[0].fd = -1; /* EOF or hang-up: tear down */
        dying = 1;
        kill_children();
      }
    }
    struct signalfd_siginfo ssi;
    if (fds[2].revents && read(fatal_fd, &ssi, sizeof ssi) > 0) {
      dying = 1;
      kill_children();
    }
    if (fds[1].revents) {
      while (read(child_fd, &ssi, sizeof ssi) > 0) {}
      sweep();
    }
  }
}
