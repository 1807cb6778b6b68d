// The command line: what the Result calls it (`command`, `escapedCommand`) and what
// supervise is asked to run (with `shell`, the shell and a `-c` script).
import { quote } from 'shell-quote';

/** How a command is named and run. */
export interface CommandLine {
  /** file and args joined by spaces. */
  command: string;
  /** Each word quoted for a POSIX shell where it needs it. */
  escapedCommand: string;
  /** What supervise runs after `--`. */
  argv: string[];
}

/** A word quote() gives back unchanged: none of the characters it quotes or escapes
 *  (whitespace, quotes, backslash, #!$&()*,:;<=>?@[]^`{|}~), not empty. Checked first
 *  because quote() costs a few microseconds per spawn. */
const PLAIN = /^[\w./+%-]+$/;

/** `shell`: the shell's path, or undefined to run `file` itself. escapedCommand is
 *  shell-quote's `quote()` (a maintained POSIX quoter: 'a b' -> "'a b'", $ and quotes
 *  escaped) rather than execa's own quoting, so nothing here quotes by hand. */
export function commandLine(file: string, args: readonly string[], shell: string | undefined): CommandLine {
  const words = [file, ...args];
  const command = words.join(' ');
  return {
    command,
    escapedCommand: words.every((w) => PLAIN.test(w)) ? command : quote(words),
    argv: shell === undefined ? words : [shell, '-c', command],
  };
}
