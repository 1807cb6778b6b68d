/* The owner side of the protocol-mode figures, in C so that the reader costs the same for
 * every supervisor it drives. Each run does what examples/launch.py does: fork; in the child
 * set the subreaper flag, start the tree, then exec SUP with fds 0 (control) and 1 (status)
 * as pipes, an empty environment and no other fd. The tree's helpers (bench/tree.c, burst.c,
 * orphans.c) are looked up next to this executable. Prints one JSON object.
 *     owner first N SUP           N times: our fork -> the first status record (a `true` child)
 *     owner latency N SUP         a child's exit (its own clock stamp) -> the record read here
 *     owner burst N SUP           records/s of N exits held back by a full status pipe
 *     owner burst-seqpacket N SUP the same over one SOCK_SEQPACKET socketpair as fds 0 and 1
 *                                 (catern's clients' channel), each recv checked to be one
 *                                 whole 128-byte record
 *     owner teardown N PCT SUP    control EOF -> the last record, a tree of N (PCT% setsid)
 *     owner teardown-launch N PCT SUP [OPTION]   the same in launch mode (`SUP --status-fd 1
 *                                 --control-fd 0 [OPTION] -- tree N PCT`), e.g. --cgroup
 *     owner burst-launch N SUP [EVENTS]  `burst` as launch mode's command (`SUP --status-fd 3
 *                                 --wait-all [--events EVENTS] -- burst N`): records/s of its
 *                                 N orphans' exits held back by a full status pipe, with or
 *                                 without the events log (the log's cost)
 * A SUP of `-` in `first` is no supervisor at all: we fork `true` and waitid it ourselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

static char helpers[4096];
/* The channel of the runs: two pipes, or one SOCK_SEQPACKET socketpair (burst-seqpacket). */
static int seqpacket;
/* Reads of the status side that were not exactly one record (seqpacket only). */
static int bad_messages;

/* We are a subreaper too, so whatever a failed supervisor leaves behind comes back to us:
 * SIGKILL and reap our children until none is left. */
static void kill_all(void) {
  for (int round = 0; round < 1000 && kill_children() > 0; round++) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    usleep(1000);
  }
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

/* Every wait of ours is bounded: after `ms` of silence, clean up and fail. */
static void readable_within(int fd, const char *what, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, ms) == 1) return;
  fprintf(stderr, "owner: timed out waiting for %s\n", what);
  kill_all();
  exit(1);
}

static void readable(int fd, const char *what) { readable_within(fd, what, 60000); }

/* bench helper NAME, next to this executable. */
static char *helper(const char *name) {
  static char buf[4200];
  snprintf(buf, sizeof buf, "%s/%s", helpers, name);
  return buf;
}

struct run { pid_t pid; int control, status, oracle; };

/* Starts SUP over one child running `argv`; the child gets the oracle pipe as fd 3 when
 * `oracle` is set. */
static struct run start(const char *sup, char *const *argv, int oracle) {
  int ctl[2], st[2], orc[2] = {-1, -1};
  if (seqpacket) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) exit(3);
    ctl[0] = st[1] = sv[1]; /* supervise: fds 0 and 1, one socket */
    ctl[1] = st[0] = sv[0]; /* ours */
  } else if (pipe2(ctl, O_CLOEXEC) || pipe2(st, O_CLOEXEC)) {
    exit(3);
  }
  if (oracle && pipe2(orc, O_CLOEXEC)) exit(3);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (fork() == 0) {
      int null = open("/dev/null", O_RDWR | O_CLOEXEC);
      dup2(null, 0);
      dup2(null, 1);
      if (oracle) dup2(orc[1], 3);
      execv(argv[0], argv);
      _exit(127);
    }
    dup2(ctl[0], 0);
    dup2(st[1], 1);
    char *sargv[] = {(char *)sup, NULL}, *env[] = {NULL};
    execve(sup, sargv, env);
    _exit(127);
  }
  close(ctl[0]);
  if (st[1] != ctl[0]) close(st[1]);
  if (oracle) close(orc[1]);
  return (struct run){pid, ctl[1], st[0], orc[0]};
}

/* Reads status records until EOF; returns how many, and the time of the last chunk. */
static int drain(struct run *r, long long *last, void (*each)(const siginfo_t *, long long)) {
  static char buf[128 * 512];
  int n = 0, have = 0;
  for (ssize_t k; readable(r->status, "status records"), (k = read(r->status, buf + have, sizeof buf - have)) > 0;) {
    long long t = now_ns();
    if (seqpacket && k != 128) bad_messages++;
    have += k;
    int whole = have / 128;
    for (int i = 0; i < whole; i++) if (each) each((const siginfo_t *)(buf + i * 128), t);
    memmove(buf, buf + whole * 128, have - whole * 128);
    have -= whole * 128;
    n += whole;
    if (whole && last) *last = t;
  }
  return n;
}

/* The supervisor's own CPU time (user + system) of the last run that finished, us. */
static double cpu_us;

static void finish(struct run *r) {
  if (r->control >= 0 && r->control != r->status) close(r->control);
  close(r->status);
  /* While it is a zombie, its own utime + stime (clock ticks, every thread; not its
   * children's) are still in /proc/PID/stat. */
  siginfo_t si;
  waitid(P_PID, r->pid, &si, WEXITED | WNOWAIT);
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", r->pid);
  cpu_us = 0;
  FILE *f = fopen(path, "re");
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    unsigned long ut, st;
    char *p = strrchr(buf, ')');
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
      cpu_us = (ut + st) * 1e6 / sysconf(_SC_CLK_TCK);
  }
  waitpid(r->pid, NULL, 0);
  if (r->oracle >= 0) {
    char c;
    while (readable_within(r->oracle, "the tree to be gone (survivors after the supervisor exited)", 5000), read(r->oracle, &c, 1) > 0) {} /* every tree process is gone */
    close(r->oracle);
  }
}

static void first(int n, const char *sup) {
  long long *xs = calloc(n, sizeof *xs);
  char *argv[] = {"/bin/true", NULL};
  for (int i = 0; i < n; i++) {
    long long t0 = now_ns();
    if (!strcmp(sup, "-")) {
      pid_t pid = fork();
      if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
      }
      siginfo_t si;
      waitid(P_PID, pid, &si, WEXITED);
      xs[i] = now_ns() - t0;
      continue;
    }
    struct run r = start(sup, argv, 0);
    char rec[128];
    size_t got = 0;
    for (ssize_t k; got < sizeof rec && (readable(r.status, "the first record"), k = read(r.status, rec + got, sizeof rec - got)) > 0;) got += k;
    xs[i] = now_ns() - t0;
    if (got < sizeof rec) {
      fprintf(stderr, "owner: %s wrote no status record\n", sup);
      kill_all();
      exit(1);
    }
    finish(&r);
  }
  printf("{\"samples_us\": [");
  for (int i = 0; i < n; i++) printf("%s%.1f", i ? ", " : "", xs[i] / 1e3);
  printf("]}\n");
}

static struct { pid_t pid; long long at; } *arrivals;
static int narrivals;

static void arrived(const siginfo_t *si, long long t) {
  arrivals[narrivals].pid = si->si_pid;
  arrivals[narrivals++].at = t;
}

static void latency(int n, const char *sup) {
  char stamps[] = "/tmp/supervise-owner-XXXXXX";
  int fd = mkostemp(stamps, O_CLOEXEC);
  if (fd < 0) exit(3);
  arrivals = calloc(3 * n + 16, sizeof *arrivals);
  char count[16];
  snprintf(count, sizeof count, "%d", n);
  char *argv[] = {helper("orphans"), count, stamps, NULL};
  struct run r = start(sup, argv, 0);
  drain(&r, NULL, arrived);
  finish(&r);
  FILE *f = fdopen(fd, "r");
  long long *lat = calloc(n, sizeof *lat);
  int m = 0, pid;
  long long ns;
  while (m < n && fscanf(f, "%d %lld", &pid, &ns) == 2) {
    for (int i = 0; i < narrivals; i++) {
      if (arrivals[i].pid == pid && arrivals[i].at >= ns) {
        lat[m++] = arrivals[i].at - ns;
        arrivals[i].pid = 0;
        break;
      }
    }
  }
  fclose(f);
  unlink(stamps);
  if (m == 0) {
    fprintf(stderr, "owner: no latency sample from %s\n", sup);
    kill_all();
    exit(1);
  }
  printf("{\"samples_us\": [");
  for (int i = 0; i < m; i++) printf("%s%.1f", i ? ", " : "", lat[i] / 1e3);
  printf("]}\n");
}

static long long first_at;
static int first_chunk;

static void stamp(const siginfo_t *si, long long t) {
  (void)si;
  if (!first_at) first_at = t;
  if (t == first_at) first_chunk++;
}

/* The supervisor's own rate: we read nothing until every one of the N children has exited
 * (EOF on the oracle they all hold), so the supervisor has a full status pipe in front of it
 * and N zombies behind it; then we read as fast as we can. The rate counts the records after
 * the first read (those were already in the pipe). */
static void burst(int n, const char *sup) {
  char count[16];
  snprintf(count, sizeof count, "%d", n);
  char *argv[] = {helper("burst"), count, "300", NULL};
  struct run r = start(sup, argv, 1);
  char c[64];
  while (readable(r.oracle, "the burst to be over"), read(r.oracle, c, sizeof c) > 0) {}
  close(r.oracle);
  r.oracle = -1;
  long long last = 0;
  first_at = 0;
  first_chunk = 0;
  int got = drain(&r, &last, stamp);
  finish(&r);
  if (bad_messages) {
    fprintf(stderr, "owner: %d reads of the seqpacket status side were not one 128-byte record\n", bad_messages);
    exit(1);
  }
  printf("{\"records_per_s\": %.0f, \"records\": %d, \"cpu_us_per_record\": %.2f}\n",
         last > first_at ? (got - first_chunk) * 1e9 / (last - first_at) : 0, got, got ? cpu_us / got : 0);
}

/* Control EOF -> the last status record of the tree `r` runs (it writes "ready N" on the
 * oracle once all N exist): prints the milliseconds and the records counted. */
static void time_teardown(struct run r, const char *sup) {
  char buf[64];
  readable(r.oracle, "the tree to be ready");
  ssize_t k = read(r.oracle, buf, sizeof buf - 1); /* "ready N" once all N exist */
  if (k <= 0) {
    fprintf(stderr, "owner: the tree never got ready under %s\n", sup);
    kill_all();
    exit(1);
  }
  long long t0 = now_ns(), last = t0;
  close(r.control);
  r.control = -1;
  int got = drain(&r, &last, NULL);
  finish(&r);
  printf("{\"ms\": %.1f, \"records\": %d}\n", (last - t0) / 1e6, got);
}

/* burst() in launch mode: SUP runs `burst` itself (no protocol mode, no control fd), with
 * the status pipe as fd 3 and, when `events` is given, the events log. The oracle is a fifo
 * burst opens (SUP never holds it), so its EOF says that every child of the burst is gone. */
static void burst_launch(int n, const char *sup, const char *events) {
  char dir[] = "/tmp/supervise-owner-XXXXXX", fifo[64], count[16];
  if (!mkdtemp(dir)) exit(3);
  snprintf(fifo, sizeof fifo, "%s/oracle", dir);
  if (mkfifo(fifo, 0600)) exit(3);
  /* No writer yet: a non-blocking open succeeds, and poll says nothing until one came and went. */
  int oracle = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int st[2];
  if (oracle < 0 || pipe2(st, O_CLOEXEC)) exit(3);
  snprintf(count, sizeof count, "%d", n);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(null, 0);
    dup2(null, 1);
    dup2(st[1], 3);
    char *argv[16];
    int a = 0;
    argv[a++] = (char *)sup;
    argv[a++] = "--status-fd";
    argv[a++] = "3";
    argv[a++] = "--wait-all";
    if (events) argv[a++] = "--events", argv[a++] = (char *)events;
    argv[a++] = "--";
    argv[a++] = helper("burst");
    argv[a++] = count;
    argv[a++] = "300";
    argv[a++] = fifo;
    argv[a] = NULL;
    char *env[] = {NULL};
    execve(sup, argv, env);
    _exit(127);
  }
  close(st[1]);
  struct run r = {pid, -1, st[0], -1};
  char c[64];
  for (ssize_t k; readable(oracle, "the burst to be over"), (k = read(oracle, c, sizeof c)) != 0;) {
    if (k < 0 && errno != EAGAIN) break;
  }
  close(oracle);
  unlink(fifo);
  rmdir(dir);
  long long last = 0;
  first_at = 0;
  first_chunk = 0;
  int got = drain(&r, &last, stamp);
  finish(&r);
  printf("{\"records_per_s\": %.0f, \"records\": %d, \"cpu_us_per_record\": %.2f}\n",
         last > first_at ? (got - first_chunk) * 1e9 / (last - first_at) : 0, got, got ? cpu_us / got : 0);
}

static void teardown(int n, int pct, const char *sup) {
  char count[16], percent[16];
  snprintf(count, sizeof count, "%d", n);
  snprintf(percent, sizeof percent, "%d", pct);
  char *argv[] = {helper("tree"), count, percent, NULL};
  struct run r = start(sup, argv, 1);
  time_teardown(r, sup);
}

/* teardown in launch mode: CMD is the tree, with `option` (e.g. --cgroup) when given. */
static void teardown_launch(int n, int pct, const char *sup, char *option) {
  char count[16], percent[16];
  snprintf(count, sizeof count, "%d", n);
  snprintf(percent, sizeof percent, "%d", pct);
  int ctl[2], st[2], orc[2];
  if (pipe2(ctl, O_CLOEXEC) || pipe2(st, O_CLOEXEC) || pipe2(orc, O_CLOEXEC)) exit(3);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(ctl[0], 0);
    dup2(st[1], 1);
    dup2(orc[1], 3);
    char *argv[10], **a = argv;
    *a++ = (char *)sup, *a++ = "--status-fd", *a++ = "1", *a++ = "--control-fd", *a++ = "0";
    if (option) *a++ = option;
    *a++ = "--", *a++ = helper("tree"), *a++ = count, *a++ = percent, *a = NULL;
    execv(sup, argv);
    _exit(127);
  }
  close(ctl[0]);
  close(st[1]);
  close(orc[1]);
  struct run r = {pid, ctl[1], st[0], orc[0]};
  time_teardown(r, sup);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: owner first|latency|burst|burst-seqpacket N SUP | owner burst-launch N SUP [EVENTS] | owner teardown N PCT SUP\n");
    return 2;
  }
  ssize_t k = readlink("/proc/self/exe", helpers, sizeof helpers - 1);
  if (k <= 0) return 3;
  helpers[k] = 0;
  *strrchr(helpers, '/') = 0;
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  int n = atoi(argv[2]);
  if (!strcmp(argv[1], "first")) first(n, argv[3]);
  else if (!strcmp(argv[1], "latency")) latency(n, argv[3]);
  else if (!strcmp(argv[1], "burst")) burst(n, argv[3]);
  else if (!strcmp(argv[1], "burst-seqpacket")) seqpacket = 1, burst(n, argv[3]);
  else if (!strcmp(argv[1], "teardown") && argc > 4) teardown(n, atoi(argv[3]), argv[4]);
  else if (!strcmp(argv[1], "teardown-launch") && argc > 4)
    teardown_launch(n, atoi(argv[3]), argv[4], argc > 5 ? argv[5] : NULL);
  else if (!strcmp(argv[1], "burst-launch")) burst_launch(n, argv[3], argc > 4 ? argv[4] : NULL);
  else return 2;
  kill_all(); /* nothing of ours outlives us */
  return 0;
}
