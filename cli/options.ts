// Launch mode's options, and the tiny hand-written parser for the forms programs use
// (`supervise --status-fd 3 --control-fd 3 -- FILE ARGS...` and other simple ones). It
// loads nothing; anything it does not accept goes to the yargs front end (args.ts), which
// accepts the same forms with the same result (test/launch.test.ts checks both).

/** What `supervise [options] -- CMD [ARG...]` asks for. */
export interface LaunchOptions {
  /** CMD, looked up along PATH, and its argv (argv[0] = CMD). */
  file: string;
  argv: string[];
  /** -1: none. One fd may be both. */
  statusFd: number;
  controlFd: number;
  waitAll: boolean;
  /** Milliseconds; 0: none. */
  graceMs: number;
  timeoutMs: number;
  /** --events FILE, or null. */
  events: string | null;
  pidNs: boolean;
}

export const DEFAULTS: Omit<LaunchOptions, 'file' | 'argv'> = {
  statusFd: -1, controlFd: -1, waitAll: false, graceMs: 0, timeoutMs: 0, events: null, pidNs: false,
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 };

/** "500ms", "10s", "2m", "1.5h", "3" (seconds) -> milliseconds; NaN if malformed. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|)$/.exec(text);
  if (!m) return NaN;
  const ms = Math.round(Number(m[1]) * UNITS[m[2]]);
  return ms <= 2 ** 31 - 1 ? ms : NaN; // setTimeout's limit
}

/** A decimal fd number, or NaN. */
export function parseFd(text: string): number {
  return /^\d{1,9}$/.test(text) ? Number(text) : NaN;
}

/** The launch options if argv is a plain form (known options, valid values, `--`, a
 *  command), else undefined: the caller hands argv to yargs for help or an error. */
export function parseFast(argv: readonly string[]): LaunchOptions | undefined {
  const o = { ...DEFAULTS };
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = (): string | undefined => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case '--wait-all':
      case '--pid-ns':
        if (value !== undefined) return undefined;
        if (arg === '--wait-all') o.waitAll = true;
        else o.pidNs = true;
        break;
      case '--status-fd':
      case '--control-fd': {
        const fd = parseFd(next() ?? '');
        if (Number.isNaN(fd)) return undefined;
        if (arg === '--status-fd') o.statusFd = fd;
        else o.controlFd = fd;
        break;
      }
      case '--grace':
      case '--timeout': {
        const ms = parseDuration(next() ?? '');
        if (Number.isNaN(ms)) return undefined;
        if (arg === '--grace') o.graceMs = ms;
        else o.timeoutMs = ms;
        break;
      }
      case '--events': {
        const file = next();
        if (!file || file.startsWith('-')) return undefined;
        o.events = file;
        break;
      }
      default:
        return undefined;
    }
  }
  const cmd = argv.slice(i + 1);
  if (i >= argv.length || cmd.length === 0 || cmd[0] === '') return undefined;
  return { file: cmd[0], argv: cmd, ...o };
}
