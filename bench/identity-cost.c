/* What the events log's identity costs per reaped process, system call by system call: the
 * figures behind docs/performance.md's "Why the events log keeps its identities". Each round
 * forks N children that exit at once, waits until every one is a zombie, then reaps them all
 * one way, timing the reaping alone:
 *   reap          waitid(P_ALL, WEXITED|WNOHANG, rusage): supervise without --events
 *   look+reap     waitid(P_ALL, ...|WNOWAIT) first, then waitid(P_PID, pid): the zombie
 *                 stays visible in /proc between the two
 *   +open,close   the same with open() and close() of /proc/PID/stat in between
 *   +stat         the same with the read as well: what supervise --events does per process
 *   +getpgid,sid  look+reap with getpgid() and getsid() instead of /proc: what system calls
 *                 give without procfs (no name, no start time)
 * The ways alternate, ROUNDS rounds; prints each way's median µs per reap.
 *     cc -O2 -o /tmp/identity-cost bench/identity-cost.c && /tmp/identity-cost [N [ROUNDS]] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

enum { REAP, LOOK, OPEN, STAT, IDS, WAYS };
static const char *names[WAYS] = {"reap", "look+reap", "+open,close", "+stat", "+getpgid,sid"};

static int waitid_raw(idtype_t type, pid_t pid, siginfo_t *si, int options, struct rusage *ru) {
  return (int)syscall(SYS_waitid, type, pid, si, options, ru);
}

/* The state letter of /proc/PID/stat, or 0. */
static char state_of(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *rp = strrchr(buf, ')');
  return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* N zombies, each checked to be one before the clock starts. */
static void zombies(pid_t *pids, int n) {
  for (int i = 0; i < n; i++) {
    pids[i] = fork();
    if (pids[i] < 0) { perror("fork"); exit(1); }
    if (pids[i] == 0) _exit(0);
  }
  for (int i = 0; i < n; i++) {
    for (int tries = 0; state_of(pids[i]) != 'Z'; tries++) {
      if (tries > 100000) { fprintf(stderr, "identity-cost: %d never became a zombie\n", pids[i]); exit(1); }
      usleep(100);
    }
  }
}

/* Reaps every child `way`'s way -> ns per reap. */
static long long reap_all(int way, int n) {
  char path[64], buf[512];
  siginfo_t si;
  struct rusage ru;
  int reaped = 0;
  long long t0 = now_ns();
  for (;;) {
    memset(&si, 0, sizeof si);
    if (way == REAP) {
      if (waitid_raw(P_ALL, 0, &si, WEXITED | WNOHANG, &ru) < 0 || si.si_pid == 0) break;
      reaped++;
      continue;
    }
    if (waitid_raw(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT, NULL) < 0 || si.si_pid == 0) break;
    pid_t pid = si.si_pid;
    if (way == OPEN || way == STAT) {
      snprintf(path, sizeof path, "/proc/%d/stat", pid);
      int fd = open(path, O_RDONLY);
      if (fd >= 0) {
        if (way == STAT && read(fd, buf, sizeof buf) <= 0) fprintf(stderr, "identity-cost: read %s\n", path);
        close(fd);
      }
    } else if (way == IDS) {
      if (getpgid(pid) < 0 || getsid(pid) < 0) fprintf(stderr, "identity-cost: getpgid/getsid %d\n", pid);
    }
    waitid_raw(P_PID, pid, &si, WEXITED | WNOHANG, &ru);
    reaped++;
  }
  long long t = now_ns() - t0;
  if (reaped != n) { fprintf(stderr, "identity-cost: reaped %d of %d\n", reaped, n); exit(1); }
  return t / n;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int rounds = argc > 2 ? atoi(argv[2]) : 7;
  if (n < 1 || rounds < 1 || rounds > 99) { fprintf(stderr, "usage: identity-cost [N [ROUNDS]]\n"); return 2; }
  pid_t *pids = calloc(n, sizeof *pids);
  long long ns[WAYS][99];
  for (int r = 0; r < rounds; r++) {
    for (int w = 0; w < WAYS; w++) {
      int way = (w + r) % WAYS; /* a different order each round */
      zombies(pids, n);
      ns[way][r] = reap_all(way, n);
    }
  }
  printf("µs per reaped process, median of %d rounds of %d zombies\n", rounds, n);
  for (int w = 0; w < WAYS; w++) {
    qsort(ns[w], rounds, sizeof ns[w][0], cmp_ll);
    printf("  %-14s %6.2f\n", names[w], ns[w][rounds / 2] / 1000.0);
  }
  return 0;
}
