// `supervise view [FILE] [--port N] [--no-open]`: serves the log viewer (dist/web) on
// 127.0.0.1 and, with FILE, the log at /log, which the page (opened as /?log=NAME) reads
// and then follows: GET /log?follow=1 sends the bytes so far (their count in the header
// x-log-size) and keeps the response open, sending what supervise appends as it appends it,
// until the page goes away. `make web` and the browser test use the same server.
import { createReadStream, existsSync, watch, type FSWatcher } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notALogReason } from '../codec/index.ts';
import { NOT_REGULAR, noXdgOpen, viewFailed, viewFileFailed, viewServing } from './messages.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};
/** How often a follower looks at the file when no change notice came (inotify can miss some). */
const POLL_MS = 500;
const CHUNK = 1 << 20;

export interface ViewerOptions {
  /** The built viewer (default: dist/web, found from the sources or the bundle). */
  dir?: string;
  /** The log to serve at /log, or none. */
  file?: string;
  /** 0: a free port. */
  port?: number;
  host?: string;
}

/** dist/web, from cli/ (sources) or dist/ and dist/chunks/ (the bundle). */
export function webDir(): string {
  const tried: string[] = [];
  for (const rel of ['./web', '../web', '../dist/web']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path.join(dir, 'index.html')) && existsSync(path.join(dir, 'app.js'))) return dir;
    tried.push(dir);
  }
  throw new Error(`the viewer is not built (run \`make build\`); tried ${tried.join(', ')}`);
}

/** Serves the viewer (and `file` at /log) -> the server, the page's URL, and close(), which
 *  ends the follows still open and then the server. */
export function serveViewer(o: ViewerOptions = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const root = path.resolve(o.dir ?? webDir());
  const host = o.host ?? '127.0.0.1';
  const followers = new Set<() => void>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const sent =
      url.pathname === '/log' && o.file ? sendLog(o.file, res, url, followers) : sendStatic(root, url.pathname, res);
    sent.catch((err: Error) => {
      // A bad path (%zz), or the log gone between stat and open: an answer, not a crash.
      if (!res.headersSent) res.writeHead(err instanceof URIError ? 400 : 500, { 'content-type': 'text/plain' });
      res.end(`${err.message}\n`);
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const stop of followers) stop();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      const { port } = server.address() as { port: number };
      const query = o.file ? `?log=${encodeURIComponent(path.basename(o.file))}` : '';
      resolve({ server, url: `http://${host}:${port}/${query}`, close });
    });
  });
}

async function sendStatic(root: string, pathname: string, res: ServerResponse): Promise<void> {
  let file = path.join(root, decodeURIComponent(pathname));
  if (pathname.endsWith('/')) file = path.join(file, 'index.html');
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

/** GET /log[?from=BYTES][&follow=1]: the log from byte `from`; with follow, then what is appended. */
async function sendLog(file: string, res: ServerResponse, url: URL, followers: Set<() => void>): Promise<void> {
  const from = Math.max(0, Number(url.searchParams.get('from') ?? 0) || 0);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`${file}: ${(err as Error).message}\n`);
    return;
  }
  const headers = {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'x-log-size': String(size),
  };
  if (!url.searchParams.has('follow')) {
    res.writeHead(200, { ...headers, 'content-length': String(Math.max(0, size - from)) });
    if (from >= size) res.end();
    else createReadStream(file, { start: from, end: size - 1 }).pipe(res);
    return;
  }
  res.writeHead(200, headers);
  res.flushHeaders();
  let fh: FileHandle | null = await open(file, 'r');
  let at = from;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | null = null;
  const stop = () => {
    followers.delete(stop);
    watcher?.close();
    clearTimeout(timer);
    const f = fh;
    fh = null;
    void f?.close();
    wake?.();
    if (!res.writableEnded) res.end();
  };
  followers.add(stop);
  res.on('close', stop); // the page went away
  try {
    watcher = watch(file, () => wake?.());
  } catch {
    // no inotify: the poll alone
  }
  const buf = Buffer.alloc(CHUNK);
  while (fh) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, at).catch(() => ({ bytesRead: -1 }));
    if (bytesRead < 0 || !fh) break;
    if (bytesRead > 0) {
      at += bytesRead;
      if (!res.write(Buffer.from(buf.subarray(0, bytesRead)))) await new Promise((r) => res.once('drain', r));
      continue;
    }
    // At the end: wait for a change (or the poll), then stop if the file shrank (rewritten).
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, POLL_MS);
    });
    wake = null;
    clearTimeout(timer);
    if (!fh) break;
    const now = await fh.stat().catch(() => null);
    if (!now || now.size < at) break;
  }
  stop();
}

export interface ViewOptions {
  file?: string;
  port: number;
  open: boolean;
}

/** `supervise view`: serves until SIGINT or SIGTERM -> exit status (1 when it cannot). */
export async function view(o: ViewOptions): Promise<number> {
  if (o.file !== undefined) {
    try {
      if (!(await stat(o.file)).isFile()) throw new Error(NOT_REGULAR);
      notALog(await firstBytes(o.file));
    } catch (err) {
      process.stderr.write(viewFileFailed(o.file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
      return 1;
    }
  }
  let served: Awaited<ReturnType<typeof serveViewer>>;
  try {
    served = await serveViewer({ file: o.file, port: o.port });
  } catch (err) {
    process.stderr.write(viewFailed((err as Error).message));
    return 1;
  }
  const what = o.file ? `${o.file} (followed while it grows)` : 'the viewer (open or drop a log in the page)';
  process.stdout.write(viewServing(served.url, what));
  if (o.open) openBrowser(served.url);
  return new Promise((resolve) => {
    const done = () => void served.close().then(() => resolve(0));
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** The first 16 bytes of `file` (fewer if it is shorter). */
async function firstBytes(file: string): Promise<Uint8Array> {
  const h = await open(file, 'r');
  try {
    const buf = new Uint8Array(16);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

/** Throws the codec's reason when `head`, the start of a file, is neither an events log
 *  nor a status stream (the page would say the same). A file of fewer than 4 bytes is
 *  served: supervise may be writing it. */
function notALog(head: Uint8Array): void {
  const reason = notALogReason(head);
  if (reason !== null) throw new Error(reason);
}

/** xdg-open URL, in the background; a note if there is none. */
function openBrowser(url: string): void {
  const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(noXdgOpen(url)));
  child.unref();
}
