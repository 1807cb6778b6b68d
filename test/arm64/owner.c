// The protocol-mode owner of the arm64 suite (test/arm64/init, make test-arm64): a static
// arm64 program that forks a child subreaper, which starts the processes to supervise and
// execs `supervise` with the control pipe as fd 0 and the status pipe as fd 1
// (docs/cli.md, "Protocol mode"). Prints one line per scenario on stdout:
//   RESULT <name> PASS|FAIL <detail>
// Scenarios: exit-record (a child's _exit(3) comes back as CLD_EXITED 3 with its pid),
// control-kill (a control record {pid, SIGTERM} kills that child: CLD_KILLED 15),
// eof-teardown (closing the control pipe kills the rest, a setsid grandchild included,
// and supervise exits 0).
// Usage: owner /path/to/supervise
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kRecord = 128, kSigchld = 17, kExited = 1, kKilled = 2 };

struct Record {
  int32_t signo, code, pid, status;
};

static int ReadFull(int fd, void* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char*)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return got == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

// The next record the kernel filled (si_signo SIGCHLD); supervise's own records skipped.
// 1, or 0 at EOF.
static int NextChildRecord(int fd, struct Record* out) {
  unsigned char b[kRecord];
  for (;;) {
    if (ReadFull(fd, b, sizeof b) != 1) return 0;
    memcpy(&out->signo, b + 0, 4);
    memcpy(&out->code, b + 8, 4);
    memcpy(&out->pid, b + 16, 4);
    memcpy(&out->status, b + 24, 4);
    if (out->signo == kSigchld) return 1;
  }
}

static int Alive(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE* f = fopen(path, "r");
  if (f == NULL) return 0;
  char line[512];
  int alive = 0;
  if (fgets(line, sizeof line, f) != NULL) {
    char* paren = strrchr(line, ')');
    alive = paren != NULL && paren[2] != 'Z';
  }
  fclose(f);
  return alive;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: owner SUPERVISE\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  int control[2], status[2], pids[2];
  // Close-on-exec: only supervise (fds 0 and 1, after dup2) keeps them; the sleeps hold no
  // end of the control pipe open past its EOF.
  if (pipe2(control, O_CLOEXEC) || pipe2(status, O_CLOEXEC) || pipe2(pids, O_CLOEXEC))
    return perror("pipe"), 1;
  pid_t sup = fork();
  if (sup == 0) {
    // The child subreaper: the three processes to supervise, then exec supervise.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
      perror("prctl(PR_SET_CHILD_SUBREAPER)");
      _exit(1);
    }
    pid_t p[4];
    p[0] = fork();
    if (p[0] == 0) {
      usleep(300 * 1000);
      _exit(3);
    }
    p[1] = fork();
    if (p[1] == 0) {
      execl("/bin/sleep", "sleep", "41.371", (char*)NULL);
      _exit(127);
    }
    // A child that starts a setsid grandchild and tells its pid, then waits.
    int gc[2];
    if (pipe2(gc, O_CLOEXEC)) _exit(1);
    p[2] = fork();
    if (p[2] == 0) {
      pid_t g = fork();
      if (g == 0) {
        setsid();
        execl("/bin/sleep", "sleep", "41.372", (char*)NULL);
        _exit(127);
      }
      write(gc[1], &g, sizeof g);
      execl("/bin/sleep", "sleep", "41.373", (char*)NULL);
      _exit(127);
    }
    if (read(gc[0], &p[3], sizeof p[3]) != sizeof p[3]) _exit(1);
    write(pids[1], p, sizeof p);
    dup2(control[0], 0);
    dup2(status[1], 1);
    close(control[0]), close(control[1]), close(status[0]), close(status[1]);
    close(pids[0]), close(pids[1]), close(gc[0]), close(gc[1]);
    execl(argv[1], "supervise", (char*)NULL);
    perror("exec supervise");
    _exit(127);
  }
  close(control[0]);
  close(status[1]);
  close(pids[1]);
  pid_t p[4];
  if (ReadFull(pids[0], p, sizeof p) != 1) {
    printf("RESULT exit-record FAIL the subreaper child did not start its processes\n");
    return 1;
  }
  struct Record r;
  // exit-record
  int ok = NextChildRecord(status[0], &r);
  if (ok && r.pid == p[0] && r.code == kExited && r.status == 3)
    printf("RESULT exit-record PASS pid %d exited 3\n", (int)r.pid);
  else
    printf("RESULT exit-record FAIL %s pid %d code %d status %d (expected pid %d exited 3)\n",
           ok ? "got" : "EOF;", r.pid, r.code, r.status, (int)p[0]);
  // control-kill
  int32_t rec[2] = {p[1], SIGTERM};
  write(control[1], rec, sizeof rec);
  ok = NextChildRecord(status[0], &r);
  if (ok && r.pid == p[1] && r.code == kKilled && r.status == SIGTERM)
    printf("RESULT control-kill PASS pid %d killed by 15\n", (int)r.pid);
  else
    printf("RESULT control-kill FAIL %s pid %d code %d status %d (expected pid %d killed by 15)\n",
           ok ? "got" : "EOF;", r.pid, r.code, r.status, (int)p[1]);
  // eof-teardown
  int was_alive = Alive(p[2]) && Alive(p[3]);
  close(control[1]);
  int seen = 0, bad = 0;
  while (NextChildRecord(status[0], &r)) {
    if ((r.pid == p[2] || r.pid == p[3]) && r.code == kKilled && r.status == SIGKILL)
      seen++;
    else {
      bad++;
      fprintf(stderr, "owner: unexpected record: pid %d code %d status %d\n", r.pid, r.code, r.status);
    }
  }
  int ws = 0;
  waitpid(sup, &ws, 0);
  int gone = !Alive(p[2]) && !Alive(p[3]);
  if (was_alive && seen == 2 && bad == 0 && gone && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
    printf("RESULT eof-teardown PASS child %d and setsid grandchild %d SIGKILLed, supervise exit 0\n",
           (int)p[2], (int)p[3]);
  else
    printf("RESULT eof-teardown FAIL alive-before %d killed-records %d other %d gone %d supervise %s %d\n",
           was_alive, seen, bad, gone, WIFEXITED(ws) ? "exit" : "signal",
           WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
  return 0;
}
