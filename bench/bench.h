/* What the bench's C helpers share: a monotonic clock, a sort order, and killing every
 * child of this process (its main thread's children list). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

/* SIGKILLs every child we have right now; returns how many there were. */
static inline int kill_children(void) {
  char path[64], buf[65536];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", getpid());
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  int killed = 0;
  for (char *p = buf, *end; *p; p = end) {
    long pid = strtol(p, &end, 10);
    if (end == p) break;
    if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0) killed++;
  }
  return killed;
}
