/* Throughput driver: forks N children that all wait on one pipe, writes "ready" on fd 3,
 * sleeps GO_MS, then exits; its exit closes the pipe, so
 * the N children (adopted by supervise as their parent dies) all exit at once.
 *     burst N GO_MS [FIFO]
 * With FIFO, fd 3 is that fifo opened here (launch mode: supervise, our parent, must not
 * hold the oracle, or its EOF would wait for supervise itself). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = atoi(argv[1]), go_ms = argc > 2 ? atoi(argv[2]) : 300;
  int fds[2];
  if (argc > 3) {
    int fifo = open(argv[3], O_WRONLY);
    if (fifo < 0 || dup2(fifo, 3) != 3) return 3;
    if (fifo != 3) close(fifo);
  }
  if (pipe(fds) != 0) return 1;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      char c;
      close(fds[1]);
      (void)!read(fds[0], &c, 1);
      _exit(i & 0xff);
    }
    if (pid < 0) return 2;
  }
  dprintf(3, "ready %d\n", n);
  usleep(go_ms * 1000);
  return 0;
}
