#!/usr/bin/env node
// A tiny static server for the log viewer (dist/web). `make web` runs it.
// Usage: node scripts/serve.mjs [DIR]   (PORT=n, default: a free port; HOST default 127.0.0.1)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Serves `dir` on host:port (0: a free one) -> { server, url }. */
export function serve(dir, port = 0, host = '127.0.0.1') {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (file.endsWith(path.sep) || url.pathname === '/') file = path.join(file, 'index.html');
    if (!file.startsWith(root + path.sep)) {
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
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}/` }));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const dir = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'web');
  const { url } = await serve(dir, Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1');
  process.stdout.write(`supervise log viewer: ${url}  (serving ${dir}; Ctrl-C stops it)\n`);
}
