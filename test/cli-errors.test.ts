// Every error path of the command line as a user meets it, as a black box (both hosts):
// each message, word for word, its stream and its exit status. Usage errors are two lines
// and exit 125, as coreutils' timeout and env (`timeout --bogus`: "timeout: unrecognized
// option '--bogus'", "Try 'timeout --help' for more information.", 125); bad input exits 1.
// The expected texts are spelled out here, not taken from cli/messages.ts: a message
// checked against itself proves nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SUPERVISE, SLACK } from './procs.ts';
import { encodeControlRef } from './helpers.ts';

const TRY = "Try 'supervise --help' for more information.\n";
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(SUPERVISE, args, {
    input: input ?? new Uint8Array(0),
    encoding: 'buffer',
    timeout: 15_000 * SLACK,
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), bytes: r.stdout };
}

let dir: string;
const Usage = suite('usage errors: two lines, exit 125, nothing on stdout');
Usage.before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-cli-errors-'));
});
Usage.after(() => rmSync(dir, { recursive: true, force: true }));

Usage('should name each wrong argument as typed, and say where help is', () => {
  const cases: Array<[string[], string]> = [
    [['--no-such-option'], "unrecognized option '--no-such-option'"],
    [['--bogus=1', '--', 'true'], "unrecognized option '--bogus'"],
    [['-x', '--', 'true'], "unrecognized option '-x'"],
    [['--wait-all'], 'missing the command: supervise [options] -- CMD [ARG...]'],
    [['--', ''], 'missing the command: supervise [options] -- CMD [ARG...]'],
    [['--grace'], "option '--grace' requires a value"],
    [['--grace', 'soon', '--', 'true'], "--grace: 'soon' is not a duration (500ms, 10s, 2m)"],
    [['--status-fd', 'x', '--', 'true'], "--status-fd: 'x' is not an fd number"],
    [
      ['--timeout-signal', 'NOPE', '--', 'true'],
      "--timeout-signal: 'NOPE' is not a signal (a name: INT, SIGINT; or a number 1..64)",
    ],
    [['--events=', '--', 'true'], "--events: '' is not a file name"],
    [['decode', '--format', 'xml'], "--format: 'xml' is not one of text, json, trace"],
    [['decode', 'a', 'b'], "unexpected argument 'b'"],
    [['decode', '--grace', '1s'], "unrecognized option '--grace'"],
    [['decode', '--json', '--format', 'trace'], 'decode: --json is --format json: give one of them'],
    [
      ['decode', '--control', '--format', 'trace'],
      'decode: --format trace draws an events log: control records have no times',
    ],
    [['send'], 'missing arguments: 2 needed, 0 given'],
    [['send', '0', 'TERM'], "send: PID must be a positive integer, got '0'"],
    [['send', '12', 'NOPE'], "send: SIGNAL must be a signal name (TERM, SIGKILL, ...) or a number 0..64, got 'NOPE'"],
    [['view', '--port', 'x1', '--no-open'], "--port: 'x1' is not a port number (0..65535)"],
    [['help', 'bogus'], "help: no subcommand 'bogus' (decode, report, send, view)"],
    [['help', 'decode', 'x'], "help: no subcommand 'decode x' (decode, report, send, view)"],
  ];
  for (const [args, what] of cases) {
    const r = run(args);
    assert.is(r.stderr, `supervise: ${what}\n${TRY}`, args.join(' '));
    assert.is(r.status, 125, args.join(' '));
    assert.is(r.stdout, '', args.join(' '));
  }
});

Usage("should say the same for an fd the core's own parser finds unusable (no front end involved)", () => {
  const r = run(['--status-fd', '77', '--', 'true']);
  assert.is(r.stderr, `supervise: --status-fd 77: not an fd supervise was given (Bad file descriptor)\n${TRY}`);
  assert.is(r.status, 125);
  assert.is(r.stdout, '');
});

Usage("should not run `supervise CMD ARG...` (tini's form), and show the line with --", () => {
  const cases: Array<[string[], string]> = [
    [
      ['sleep', '41.37'],
      "'sleep' is not a subcommand of supervise; to run it, put -- before the command: supervise -- sleep 41.37",
    ],
    [
      ['--grace', '2s', 'sh', '-c', 'sleep 41.38; exit 3'],
      "'sh' is not a subcommand of supervise; to run it, put -- before the command: supervise --grace 2s -- sh -c 'sleep 41.38; exit 3'",
    ],
    [
      ['--wait-all', 'true'],
      "'true' is not a subcommand of supervise; to run it, put -- before the command: supervise --wait-all -- true",
    ],
  ];
  for (const [args, what] of cases) {
    const r = run(args);
    assert.is(r.stderr, `supervise: ${what}\n${TRY}`, args.join(' '));
    assert.is(r.status, 125, args.join(' '));
  }
  // Nothing ran: the suggested line runs it.
  const fixed = run(['--grace', '2s', '--', 'sh', '-c', 'exit 3']);
  assert.is(fixed.status, 3, fixed.stderr);
});

// ---
const Help = suite('help and version: stdout, exit 0');

Help("should give the same help for --help, -h and help, and a subcommand's for help CMD", () => {
  const help = run(['--help']);
  assert.is(help.status, 0);
  assert.is(help.stderr, '');
  assert.match(help.stdout, /^Usage: supervise\n/);
  assert.match(help.stdout, /125 on a usage error/);
  for (const args of [['-h'], ['help']]) {
    const r = run(args);
    assert.is(r.status, 0, args.join(' '));
    assert.is(r.stdout, help.stdout, args.join(' '));
  }
  for (const cmd of ['decode', 'send', 'view']) {
    const own = run([cmd, '--help']);
    assert.is(own.status, 0);
    assert.match(own.stdout, new RegExp(`supervise ${cmd}`));
    const viaHelp = run(['help', cmd]);
    assert.is(viaHelp.status, 0);
    assert.is(viaHelp.stdout, own.stdout, `help ${cmd}`);
  }
});

Help('should print the version alone for --version and -V', () => {
  for (const args of [['--version'], ['-V']]) {
    const r = run(args);
    assert.is(r.status, 0, args.join(' '));
    assert.is(r.stdout, `${VERSION}\n`, args.join(' '));
    assert.is(r.stderr, '');
  }
});

// ---
const Input = suite('bad input: named in one line, exit 1');
Input.before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-cli-errors-'));
});
Input.after(() => rmSync(dir, { recursive: true, force: true }));

Input('should call empty input empty, from a file, /dev/null or stdin', () => {
  const empty = path.join(dir, 'empty');
  writeFileSync(empty, '');
  for (const [args, name] of [
    [['decode', empty], empty],
    [['decode', '/dev/null'], '/dev/null'],
    [['decode'], 'stdin'],
    [['decode', '--json', '-'], 'stdin'],
    [['decode', '--control'], 'stdin'],
  ] as Array<[string[], string]>) {
    const r = run(args);
    assert.is(r.stderr, `supervise: decode: ${name}: empty input (no status records, no events log header)\n`);
    assert.is(r.status, 1, args.join(' '));
    assert.is(r.stdout, '');
  }
});

Input('should say a file is not a log, from its first bytes, text or binary, short or long', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['hello.txt', Buffer.from('hello\n'), '"hello\\n"'],
    ['notes.md', Buffer.from(`# notes\n${'y'.repeat(400)}\n`), '"# notes\\nyyyy"'],
    [
      'a.out',
      Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(200).fill(0)]),
      'bytes 7f 45 4c 46 02 01 01 00',
    ],
    ['ab', Buffer.from('ab'), '"ab"'],
  ];
  for (const [name, bytes, start] of cases) {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    const reason = `not a supervise log or status stream (starts with ${start})`;
    for (const args of [
      ['decode', file],
      ['decode', '--json', file],
    ]) {
      const r = run(args);
      assert.is(r.stderr, `supervise: decode: ${file}: ${reason}\n`, args.join(' '));
      assert.is(r.status, 1);
      assert.is(r.stdout, '');
    }
    const piped = run(['decode'], bytes);
    assert.is(piped.stderr, `supervise: decode: stdin: ${reason}\n`);
    assert.is(piped.status, 1);
    if (bytes.length >= 4) {
      const viewed = run(['view', file, '--no-open']);
      assert.is(viewed.stderr, `supervise: view: ${file}: ${reason}\n`);
      assert.is(viewed.status, 1);
      assert.is(viewed.stdout, '');
    }
  }
});

Input('should name a file it cannot open, for decode and view', () => {
  const missing = path.join(dir, 'nope.supv');
  const d = run(['decode', missing]);
  assert.is(d.stderr, `supervise: decode: ${missing}: ENOENT: cannot open it\n`);
  assert.is(d.status, 1);
  const v = run(['view', missing, '--no-open']);
  assert.is(v.stderr, `supervise: view: ${missing}: ENOENT\n`);
  assert.is(v.status, 1);
  const sub = path.join(dir, 'a-directory');
  mkdirSync(sub, { recursive: true });
  const vd = run(['view', sub, '--no-open']);
  assert.is(vd.stderr, `supervise: view: ${sub}: not a regular file\n`);
  assert.is(vd.status, 1);
});

Input('should decode an events log given --control as the events log it is', () => {
  const log = path.join(dir, 'run.supv');
  const made = run(['--events', log, '--', 'sh', '-c', 'exit 3']);
  assert.is(made.status, 3, made.stderr);
  const plain = run(['decode', log]);
  assert.is(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, / exited 3\n/);
  for (const args of [
    ['decode', '--control', log],
    ['decode', '--control', '--json', log],
  ]) {
    const r = run(args);
    assert.is(r.stderr, '', args.join(' '));
    assert.is(r.status, 0);
    const expected = args.includes('--json') ? run(['decode', '--json', log]).stdout : plain.stdout;
    assert.is(r.stdout, expected, args.join(' '));
  }
  // Through a pipe, in pieces smaller than the magic: the same.
  const piped = run(['decode', '--control'], readFileSync(log));
  assert.is(piped.stdout, plain.stdout);
});

Input('should refuse a file given --control whose first record names no process', () => {
  const file = path.join(dir, 'text');
  writeFileSync(file, 'kill -TERM 1234\n');
  const r = run(['decode', '--control', file]);
  assert.is(
    r.stderr,
    `supervise: decode: ${file}: not a control stream: its first record (pid 1819044203, signal 1163144480) names no process (pids are 1..4194304, signals 0..64)\n`,
  );
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  // A real control stream whose second record the core would refuse still decodes.
  const ok = run(['decode', '--control'], Buffer.concat([encodeControlRef(4242, 15), encodeControlRef(0, 9)]));
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout, 'pid 4242 <- SIGTERM\npid 0 <- SIGKILL\n');
});

// ---
const Tty = suite('send and a terminal');

/** Runs supervise with stdout and stdin on a new pseudo-terminal (python3's pty), stderr on a
 *  pipe: its status, what reached the terminal (hex), and stderr. */
function onTerminal(args: string[]) {
  const py = `
import os, pty, sys
r, w = os.pipe()
pid, fd = pty.fork()
if pid == 0:
    os.dup2(w, 2)
    os.execv(sys.argv[1], sys.argv[1:])
os.close(w)
out = b''
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
err = b''
while True:
    b = os.read(r, 4096)
    if not b:
        break
    err += b
_, st = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(st))
print(out.hex())
sys.stdout.write(err.decode())
`;
  const r = spawnSync('python3', ['-c', py, SUPERVISE, ...args], { encoding: 'utf8', timeout: 15_000 * SLACK });
  assert.is(r.status, 0, r.stderr);
  const [status, hex, ...err] = r.stdout.split('\n');
  return { status: Number(status), hex, stderr: err.join('\n') };
}

Tty('should not write a binary record to a terminal unless --force, as gzip', () => {
  const r = onTerminal(['send', '4242', 'TERM']);
  assert.is(
    r.stderr,
    'supervise: send: not writing a binary control record to a terminal: redirect stdout to the fifo or pipe supervise reads (--force writes it anyway)\n',
  );
  assert.is(r.status, 1);
  assert.is(r.hex, '');
  for (const force of ['--force', '-f']) {
    const f = onTerminal(['send', '4242', 'TERM', force]);
    assert.is(f.status, 0, f.stderr);
    assert.is(f.hex, Buffer.from(encodeControlRef(4242, 15)).toString('hex'), force);
  }
  // Not a terminal: written without being told.
  const piped = run(['send', '4242', 'TERM']);
  assert.is(piped.status, 0);
  assert.equal(new Uint8Array(piped.bytes), encodeControlRef(4242, 15));
});

Usage.run();
Help.run();
Input.run();
Tty.run();
