/* Tear-down baseline, one child at a time (the C reference's strategy): a subreaper
 * starts `TREE N PCT` (bench/tree.c), waits until it is ready, then repeatedly SIGKILLs
 * its first child and waits for that one, re-reading its children list, until none is
 * left. Prints the tear-down time in milliseconds as JSON.
 *     onebyone TREE N PCT */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static pid_t first_child(void) {
  char path[64], buf[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", getpid());
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return n ? atoi(buf) : 0;
}

int main(int argc, char **argv) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  int ready[2];
  if (pipe(ready) != 0) return 1;
  if (fork() == 0) {
    dup2(ready[1], 3);
    execv(argv[1], (char *[]){argv[1], argv[2], argv[3], NULL});
    _exit(127);
  }
  close(ready[1]);
  char buf[64];
  (void)!read(ready[0], buf, sizeof buf);
  double t0 = now_ms();
  int killed = 0;
  for (pid_t pid; (pid = first_child()) > 0; killed++) {
    kill(pid, SIGKILL);
    siginfo_t info;
    waitid(P_PID, pid, &info, WEXITED);
  }
  printf("{\"ms\": %.1f, \"killed\": %d}\n", now_ms() - t0, killed);
  return 0;
}
