/* Builds a process tree for tear-down benchmarks, then waits to be killed:
 *     tree N SETSID_PERCENT
 * The root forks branches, each with up to 99 leaves: N small processes in all, three
 * generations. SETSID_PERCENT of the leaves call setsid(). Every process keeps fd 3 (the
 * oracle); the root writes "ready N" on it once all N exist. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void park(int ready_fd) {
  (void)!write(ready_fd, ".", 1);
  close(ready_fd);
  for (;;) pause();
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000, pct = argc > 2 ? atoi(argv[2]) : 20;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  int made = 1, leaf = 0;
  while (made < n) {
    int leaves = n - made - 1 < 99 ? n - made - 1 : 99;
    if (fork() == 0) {
      close(fds[0]);
      for (int i = 0; i < leaves; i++) {
        if (fork() == 0) {
          if ((leaf + i) % 100 < pct) setsid();
          park(fds[1]);
        }
      }
      park(fds[1]);
    }
    made += 1 + leaves;
    leaf += leaves;
  }
  close(fds[1]);
  char buf[4096];
  int got = 0;
  ssize_t k;
  while (got < n - 1 && (k = read(fds[0], buf, sizeof buf)) > 0) got += k;
  dprintf(3, "ready %d\n", got + 1);
  for (;;) pause();
}
