// The fenced blocks of a Markdown page, and how test/docs.test.ts runs each one. The
// convention (docs/testing.md, "The docs test"):
// - ```sh with lines starting `$ `: a session. Each `$ ` line is a command (a line ending in
//   `\` goes on with the next); the lines after it, up to the next `$ `, are what it prints
//   (stdout and stderr together), where `…` stands for any text within one line. The
//   commands run one after the other in one bash, each must exit 0 (show a status with
//   `; echo $?`).
// - ```sh without `$ ` lines: a script, run by `bash -e`; it must exit 0.
// - ```js / ```ts: a module run by Node (through tsx); it must exit 0 (assert in it).
//   `import ... from 'supervise'` resolves to this package. The ts blocks are also
//   type-checked (tsc --strict, test/docs.test.ts).
// - ```python: run by python3; it must exit 0.
// - ```text, or any block right after `<!-- not run: REASON -->`: not run, counted by reason.
// Any other block is an error: say how it runs, or why it does not.

export type Kind = 'session' | 'script' | 'js' | 'ts' | 'python' | 'skip' | 'unknown';

export interface Block {
  file: string; // as given, e.g. docs/cli.md
  line: number; // of the opening fence, 1-based
  lang: string;
  body: string;
  kind: Kind;
  reason?: string; // for 'skip': why it is not run
}

export interface Command {
  command: string;
  expected: string[];
}

const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;

/** Every fenced block of `text` (a Markdown page called `file`). */
export function blocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) j++;
    const body = lines.slice(i + 1, j).join('\n');
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const marker = k >= 0 ? NOT_RUN.exec(lines[k].trim()) : null;
    out.push({ file, line: i + 1, lang: open[2], body, ...classify(open[2], body, marker?.[1]) });
    i = j;
  }
  return out;
}

function classify(lang: string, body: string, notRun: string | undefined): { kind: Kind; reason?: string } {
  if (notRun !== undefined) return { kind: 'skip', reason: notRun || 'no reason given' };
  switch (lang) {
    case 'text':
      return { kind: 'skip', reason: 'text, not a program' };
    case 'sh':
    case 'bash':
      return { kind: body.split('\n').some((l) => l.startsWith('$ ')) ? 'session' : 'script' };
    case 'js':
    case 'mjs':
      return { kind: 'js' };
    case 'ts':
      return { kind: 'ts' };
    case 'python':
      return { kind: 'python' };
    default:
      return { kind: 'unknown' };
  }
}

/** The commands of a session block and what each prints. */
export function session(body: string): Command[] {
  const cmds: Command[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i]}`;
      cmds.push({ command, expected: [] });
    } else if (cmds.length === 0) {
      throw new Error(`a session must start with a \`$ \` line: ${JSON.stringify(line)}`);
    } else {
      cmds[cmds.length - 1].expected.push(line);
    }
  }
  return cmds;
}

const END = '\x1esupervise-docs-end';

/** The bash script that runs a session: each command, then a line with its number and status. */
export function sessionScript(cmds: Command[]): string {
  const parts = ['exec 2>&1'];
  cmds.forEach((c, n) => {
    parts.push(c.command, `__s=$?; printf '\\n${END} %d %d\\n' ${n} $__s; [ $__s = 0 ] || exit $__s`);
  });
  return `${parts.join('\n')}\n`;
}

/** What each command of a session printed, and its status, from the script's output. */
export function sessionOutputs(stdout: string): Array<{ output: string[]; status: number }> {
  const res: Array<{ output: string[]; status: number }> = [];
  const re = new RegExp(`\\n${END} (\\d+) (\\d+)\\n`, 'g');
  let from = 0;
  for (let m = re.exec(stdout); m; m = re.exec(stdout)) {
    let text = stdout.slice(from, m.index);
    if (text.endsWith('\n')) text = text.slice(0, -1); // the marker's own newline comes first
    res.push({ output: text === '' ? [] : text.split('\n'), status: Number(m[2]) });
    from = m.index + m[0].length;
  }
  return res;
}

/** Whether `actual` is `expected` line for line, `…` in an expected line matching any text. */
export function matches(expected: string[], actual: string[]): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((e, i) => lineRegExp(e).test(actual[i]));
}

function lineRegExp(expected: string): RegExp {
  const parts = expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}
