// The browser page (web/, built into build/web/ by `npm run build`): headless Chromium loads it
// from a localhost HTTP server this test starts, a capture is given to its file input, and the
// page's verdicts (the jsonl lines it offers) and alerts (eve lines) must be the bytes `packetclip
// run` writes for the same capture: the lab test capture, and a truncated copy whose last line is
// the reader's error. The engine runs in the page (no request but the page's own static files).
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packetclip, repoRoot } from './helpers/cli.js';
import { command, requires } from './helpers/requires.js';
import { scratchDir } from './helpers/scratch.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const webRoot = join(repoRoot, 'build/web');
const lab = join(repoRoot, 'data/test/seed3/capture.pcap');
const dir = scratchDir('pce-web-');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves build/web/ on 127.0.0.1; records every path asked for. */
function serve(requested: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requested.push(path);
    const file = normalize(join(webRoot, path === '/' ? 'index.html' : path));
    if (!file.startsWith(webRoot)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}

interface PageRun { name: string; build: string; packets: number; jsonl: string; eve: string; error?: string }

requires(test, command(CHROMIUM))('the page classifies a dropped capture exactly as packetclip run does (jsonl and eve)', async () => {
  const { chromium } = await import('playwright-core');
  const requested: string[] = [];
  const { server, url } = await serve(requested);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, readFileSync(lab).subarray(0, 300_001));
  const context = await chromium.launchPersistentContext(scratchDir('pce-chromium-'), {
    executablePath: CHROMIUM, headless: true, args: ARGS,
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    for (const capture of [lab, cut]) {
      const [jsonl, eve] = await Promise.all([packetclip(['run', capture]), packetclip(['run', capture, '--format', 'eve'])]);
      await page.setInputFiles('#file', capture);
      await page.waitForSelector('body[data-state="done"]', { timeout: 300_000 });
      const run = await page.evaluate(() => (window as unknown as { packetclip: PageRun }).packetclip);
      await page.evaluate(() => (document.body.dataset.state = 'ready'));
      assert.is(run.build, 'simd');
      const lines = run.jsonl.split('\n').length - 1;
      assert.ok(run.jsonl === jsonl.stdout, `${capture}: the page's ${lines} jsonl lines differ from packetclip run's ${jsonl.stdout.split('\n').length - 1}`);
      assert.ok(run.eve === eve.stdout, `${capture}: the page's eve lines differ:\n${run.eve.slice(0, 400)}\nvs\n${eve.stdout.slice(0, 400)}`);
      if (capture === lab) {
        assert.is(run.packets, 44222);
        assert.ok(eve.stdout.split('\n').length > 10, 'the lab capture raises alerts');
      } else {
        assert.match(run.error ?? '', /^truncated packet record at byte \d+/);
        assert.match(await page.textContent('#status') ?? '', /ends with an error: truncated packet record/);
      }
      const report = await page.frameLocator('#report').locator('h2').allTextContents();
      assert.equal(report.slice(0, 2), ['Class probabilities over time', 'Alerts']);
    }
    assert.equal(errors, []);
    assert.equal([...new Set(requested)].sort(), ['/', '/app.js', '/packetclip-edge.pclip', '/packetclip-edge.thresholds', '/packetclip.simd.wasm']);
  } finally {
    await context.close();
    server.close();
  }
});

test.run();
