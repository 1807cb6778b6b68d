/* Event-latency driver: N times, double-forks a child that supervise adopts, which then
 * appends "PID NS" (CLOCK_MONOTONIC ns, read just before it exits) to FILE and exits.
 *     orphans N FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return 1;
  for (int i = 0; i < n; i++) {
    pid_t mid = fork();
    if (mid == 0) {
      if (fork() == 0) {
        usleep(30000); /* adopted by then */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        dprintf(fd, "%d %lld\n", getpid(), ts.tv_sec * 1000000000LL + ts.tv_nsec);
        _exit(0);
      }
      _exit(0);
    }
    waitpid(mid, NULL, 0);
    usleep(4000);
  }
  usleep(100000);
  return 0;
}
