// The log viewer (web/, built into dist/web) in a real browser: Debian's chromium driven by
// playwright-core, loading a log of a real supervise run. Skips, saying why, when there is
// no chromium (`make test` installs it when it can).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { recordLog, everyNameStream, type RecordedLog } from './record-log.ts';
import { execFileSync } from 'node:child_process';
import { ROOT, SUPERVISE } from './procs.ts';
import { loadCodec } from '../codec/node.ts';
import { decodeAll } from '../codec/index.ts';
import { encodeStatusRef, concatBytes } from './helpers.ts';
// @ts-expect-error: a plain .mjs script without types
import { serve } from '../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = path.join(ROOT, 'test/.out');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const why = !existsSync(CHROMIUM)
  ? `no browser at ${CHROMIUM} (run \`make test\` as root to install chromium)`
  : !existsSync(path.join(ROOT, 'dist/web/app.js'))
    ? 'dist/web not built (run `make build`)'
    : null;

const Web = suite('the log viewer in chromium');

if (why) {
  process.stdout.write(`test/web.test.ts: skipping the browser test: ${why}\n`);
  Web.skip('should show a real log in the page', () => {});
} else {
  let browser: Browser;
  let page: Page;
  let server: { close(): void };
  let url: string;
  let log: RecordedLog;
  const consoleErrors: string[] = [];

  Web.before(async () => {
    mkdirSync(OUT, { recursive: true });
    log = await recordLog();
    writeFileSync(path.join(OUT, 'run.supv'), log.events);
    writeFileSync(path.join(OUT, 'run.bin'), log.raw);
    ({ server, url } = await serve(path.join(ROOT, 'dist/web')));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Count the page's streaming instantiations (codec/index.ts uses them for a URL).
    await page.addInitScript(() => {
      const real = WebAssembly.instantiateStreaming;
      (window as unknown as { streamed: number }).streamed = 0;
      WebAssembly.instantiateStreaming = (...a) => {
        (window as unknown as { streamed: number }).streamed++;
        return real(...a);
      };
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });
  Web.after(async () => {
    await browser?.close();
    server?.close();
  });

  /** Opens `file` through the page's file input; resolves to the decoded result. */
  async function openLog(file: string) {
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="loaded"], body[data-state="error"]', { timeout: 10_000 });
    return page.evaluate(() => window.superviseLog);
  }

  Web('should decode a real events log to the same records in the page as in Node', async () => {
    const inPage = await openLog(path.join(OUT, 'run.supv'));
    const inNode = decodeAll(loadCodec(), log.events);
    assert.is(inNode.error, null);
    assert.is(inPage!.error, null);
    assert.is(inPage!.format, 'events');
    assert.equal(inPage!.records, JSON.parse(JSON.stringify(inNode.records)));
    assert.equal(consoleErrors, []);
    assert.is(await page.evaluate(() => (window as unknown as { streamed: number }).streamed), 1);
  });

  Web('should list every record in the table, and draw one bar per process coloured by its end', async () => {
    const rows = await page.$$eval('#records tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.is(rows.length, log.pids.length + log.count);
    for (const what of [
      'exited 0',
      'exited 3',
      'exited 7',
      'killed SIGKILL',
      'dumped SIGSEGV',
      'killed SIGTERM',
      'spawned',
    ]) {
      assert.ok(
        rows.some((r) => r.includes(what)),
        `a row with ${what}`,
      );
    }
    const bars = await page.$$eval('#timeline svg rect.bar', (rs) =>
      rs.map((r) => ({
        cls: r.getAttribute('class'),
        width: Number(r.getAttribute('width')),
      })),
    );
    assert.is(bars.length, log.pids.length + 1); // the orphan too
    for (const b of bars) assert.ok(b.width >= 3, 'a visible bar');
    const classes = bars.map((b) => b.cls).sort();
    assert.equal(classes, [
      'bar dumped',
      'bar fail',
      'bar fail',
      'bar killed',
      'bar killed',
      'bar killed',
      'bar ok',
      'bar ok',
    ]);
    const summary = await page.textContent('#summary');
    assert.match(summary!, /8processes/);
    assert.match(summary!, /0: 2, 3: 1, 7: 1exit codes/);
    assert.match(summary!, /SIGKILL: 1, SIGSEGV \(core\): 1, SIGTERM: 2signals/);
    assert.ok(await page.isHidden('#error'));
    await page.screenshot({ path: path.join(OUT, 'web.png'), fullPage: true });
  });

  Web('should show a raw status stream without times, by record order', async () => {
    const r = await openLog(path.join(OUT, 'run.bin'));
    assert.is(r!.format, 'status');
    assert.is(r!.records.length, log.count);
    assert.is(await page.$$eval('#timeline svg rect.bar', (rs) => rs.length), log.count);
    assert.equal(consoleErrors, []);
    await page.screenshot({ path: path.join(OUT, 'web-raw.png') });
  });

  Web('should open a file dropped on the page', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
    const bytes = [...log.events];
    const dt = await page.evaluateHandle((b) => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(b)], 'dropped.supv'));
      return d;
    }, bytes);
    await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 10_000 });
    const r = await page.evaluate(() => window.superviseLog);
    assert.is(r!.name, 'dropped.supv');
    assert.is(r!.records.length, log.pids.length + log.count);
  });

  Web('should show the error of a corrupt file, with the records before it', async () => {
    const bad = encodeStatusRef({ signo: 17, code: 1, pid: 6, status: 2 });
    bad[9] = 7; // si_code
    const file = path.join(OUT, 'corrupt.bin');
    writeFileSync(file, concatBytes([encodeStatusRef({ signo: 17, code: 1, pid: 5, status: 1 }), bad]));
    const r = await openLog(file);
    assert.is(r!.error!.offset, 128);
    const text = await page.textContent('#error');
    assert.match(text!, /invalid status record \(unknown si_code\) at byte offset 128/);
    assert.is(await page.$$eval('#records tbody tr', (trs) => trs.length), 1);
    await page.screenshot({ path: path.join(OUT, 'web-error.png') });
  });

  Web('should name every signal 1..64 and every errno as `supervise decode` does', async () => {
    const every = everyNameStream();
    const file = path.join(OUT, 'names.bin');
    writeFileSync(file, every.bytes);
    const cli = execFileSync(SUPERVISE, ['decode', '--json', file], { encoding: 'utf8', timeout: 20_000 })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { signal?: string; errnoName?: string });
    const r = await openLog(file);
    assert.is(r!.error, null);
    assert.is(r!.records.length, every.signals.length + every.errnos.length);
    assert.equal(
      r!.records.map((e) => e.signal ?? e.errnoName),
      cli.map((e) => e.signal ?? e.errnoName),
    );
    const rows = await page.$$eval('#records tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.ok(
      rows.some((row) => row.includes('killed SIGRTMIN+2')),
      'a row with SIGRTMIN+2',
    );
  });
}

Web.run();
