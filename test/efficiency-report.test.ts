// `packetclip report` (src/efficiency/, docs/efficiency.md): the benchmark schema validator on
// good and broken files, and the HTML report of the committed `npm run bench` result plus a
// pce-bench-style file, rendered in headless Chromium: no console error, every chart has drawn
// marks, and the numbers in the page are those of the JSON.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateBench, type BenchFile } from '../src/efficiency/bench-schema.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { command, requires } from './helpers/requires.js';
import { scratchDir } from './helpers/scratch.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const dir = scratchDir('pce-report-');

/** The newest committed `npm run bench` result. */
function benchResult(): { path: string; file: BenchFile } {
  const results = join(repoRoot, 'bench/results');
  const name = readdirSync(results).filter((n) => /^engine-\d{4}-\d\d-\d\d\.json$/.test(n)).sort().pop()!;
  const path = join(results, name);
  return { path, file: JSON.parse(readFileSync(path, 'utf8')) as BenchFile };
}

/** A file as pce-bench writes it on another board (no counts, no peak). */
function boardFile(hash: string): BenchFile {
  const r = (name: string, medianNs: number) => ({ name, scope: 'kernel' as const, iterations: 1000, medianNs, minNs: medianNs * 0.9, madNs: medianNs * 0.05, perSecond: 1e9 / medianNs, opsPerItem: null, opsPerSecond: null });
  return {
    format: 'packetclip-bench', version: 1, date: '2026-12-02T00:00:00Z', tool: 'pce-bench',
    machine: { uname: 'Linux 5.15 mips', arch: 'mips', cpuModel: 'MIPS 24Kc V7.4', cores: 1, clockMHz: 580 },
    model: { name: 'packetclip-edge.pclip', hash, blobBytes: 78064, window: 30 },
    peak: null,
    runs: [{ runtime: 'wasm2c', build: 'scalar', version: 'wabt 1.0.39 wasm2c, gcc 12.2.0', results: [{ ...r('push_packet', 812345.5), scope: 'end-to-end' }, r('push', 790123.25)] }],
    memory: { blobBytes: 78064, arenaBytes: 254560, linearMemoryBytes: 262144, hostRssBytes: 1544192 },
  };
}

test('the committed bench result and a pce-bench file are valid; broken files name their faults', () => {
  const { file } = benchResult();
  assert.equal(validateBench(file), []);
  assert.equal(validateBench(boardFile(file.model.hash)), []);
  const bad = JSON.parse(JSON.stringify(file));
  bad.version = 2;
  bad.runs[0].results[0].medianNs = 'fast';
  delete bad.machine.cores;
  bad.model.hash = 'sha256:00';
  const errs = validateBench(bad);
  for (const want of ['$.version', '$.runs[0].results[0].medianNs', '$.machine.cores: missing', '$.model.hash']) {
    assert.ok(errs.some((e) => e.startsWith(want)), `expected an error at ${want}: ${errs.join('; ')}`);
  }
  assert.ok(validateBench({ format: 'packetclip-bench' }).length > 3);
});

test('report refuses a file that is not a result file, with its path', async () => {
  const junk = join(dir, 'junk.json');
  writeFileSync(junk, '{"format": "other"}');
  const r = await packetclip(['report', junk, '-o', join(dir, 'x.html')]);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /junk\.json: not a packetclip-bench v1 file/);
});

requires(test, command(CHROMIUM))('the HTML report renders in Chromium: no errors, every chart drawn, the JSON\'s numbers', async () => {
  const { path, file } = benchResult();
  const board = join(dir, 'board.json');
  writeFileSync(board, JSON.stringify(boardFile(file.model.hash)));
  const html = join(dir, 'report.html');
  const r = await packetclip(['report', path, board, '-o', html, '--watts', '6.5']);
  assert.is(r.code, 0, r.stderr);
  const md = await packetclip(['report', path, board, '--md']);
  assert.match(md.stdout, /\| projection \| 35,840 \|/);
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(scratchDir('pce-chromium-'), { executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await context.newPage();
    const errors: string[] = [], requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(html).href);
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
      id: s.id, marks: [...s.querySelectorAll('rect.mark')].filter((m) => (m as SVGGraphicsElement).getBBox().width > 0).length,
    })));
    const want = ['chart-sections', 'chart-macs', 'chart-latency', 'chart-efficiency', ...(file.instructions ? ['chart-instructions'] : []), 'chart-memory'];
    assert.equal(charts.map((c) => c.id), want);
    for (const c of charts) assert.ok(c.marks > 0, `chart ${c.id} has no drawn marks`);
    const numbers = await page.$$eval('.n', (els) => els.map((e) => ({ value: Number(e.getAttribute('data-value')), text: e.textContent ?? '' })));
    // Every printed number reads back as its data-value (to the digits shown).
    for (const { value, text } of numbers) {
      const shown = Number(text.replace(/,/g, ''));
      const digits = text.includes('.') ? text.split('.')[1].length : 0;
      assert.ok(Math.abs(shown - value) <= 0.5 * 10 ** -digits + 1e-9 * Math.abs(value), `"${text}" is not ${value}`);
    }
    const values = new Set(numbers.map((x) => x.value));
    const has = (v: number, what: string) => assert.ok(values.has(v), `${what} (${v}) is not in the page`);
    for (const f of [file, boardFile(file.model.hash)]) {
      for (const run of f.runs) for (const x of run.results) has(x.medianNs / 1000, `${run.runtime} ${run.build} ${x.name} median`);
      has(f.memory!.arenaBytes, 'arena bytes');
    }
    for (const [stage, row] of Object.entries(file.counted!.streaming)) has(row.macs, `counted MACs of ${stage}`);
    for (const x of file.instructions ?? []) has(x.perItem, `instructions ${x.arch} ${x.build} ${x.item}`);
    for (const v of Object.values(file.ratios!)) has(v, 'a ratio');
    has(6.5 * file.runs[0].results[0].medianNs / 1000, 'energy estimate of the first result');
    assert.match(await page.textContent('#energy') ?? '', /ESTIMATE/);
    assert.equal(errors, []);
    assert.equal(requests.filter((u) => !u.startsWith('file:')), [], 'the report loads nothing from the network');
  } finally {
    await context.close();
  }
});

test.run();
