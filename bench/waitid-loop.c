/* The floor for event latency: a single-threaded C parent that forks a child, which reads
 * CLOCK_MONOTONIC and exits at once, and waits for it with waitid; the time from the
 * child's clock reading to the parent's return from waitid, N times. Prints the median
 * and p99 in microseconds as JSON. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 500;
  long long *shared = mmap(NULL, sizeof(long long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  long long *lat = calloc(n, sizeof *lat);
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      *shared = now_ns();
      _exit(0);
    }
    siginfo_t info;
    waitid(P_PID, pid, &info, WEXITED);
    lat[i] = now_ns() - *shared;
    usleep(2000);
  }
  qsort(lat, n, sizeof *lat, cmp_ll);
  printf("{\"median_us\": %.1f, \"p99_us\": %.1f}\n", lat[n / 2] / 1000.0, lat[n * 99 / 100] / 1000.0);
  return 0;
}
