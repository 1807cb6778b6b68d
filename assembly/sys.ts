// Linux numbers (x86-64) the program uses beyond those of the wire protocol (protocol.ts):
// epoll, poll, open flags, clone flags, and the errno values it names. Plain constants,
// shared with the TypeScript hosts and tests.

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;

export const POLLIN = 0x001;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0x40;
export const O_APPEND = 0x400;

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;

export const EBADF = 9;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOSPC = 28;

export const SIGPIPE = 13;
export const SIGCONT = 18;
export const SIGURG = 23;
export const SIGWINCH = 28;

/** siginfo si_code values: sent by kill(2), or by the kernel (a terminal's INT, QUIT, WINCH). */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
