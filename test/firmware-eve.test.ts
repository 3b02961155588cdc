// pce-sense --format eve (firmware/src/alerts.c, jsnum.c; docs/firmware.md "Alerts"): the bytes
// `packetclip run --format eve` writes for the lab test capture (SIMD and scalar, --alerts-only,
// stdin), for a --config thresholds file with other thresholds and episode rule, and for a truncated
// capture (alerts, then the error line); no allocation, RSS <= 4 MiB; a bad thresholds file is
// refused; jsnum.c's number texts equal V8's on random and tie inputs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatRate } from '../src/alerts/index.js';
import { round6 } from '../src/run/jsonl.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { command, requires } from './helpers/requires.js';
import { scratchDir } from './helpers/scratch.js';

const fw = join(repoRoot, 'firmware');
const lab = join(repoRoot, 'data/test/seed3/capture.pcap');
const dir = scratchDir('pce-eve-');
const sense = join(fw, 'build', 'x86_64', 'pce-sense');
const cc = [command('make'), command('gcc')];

function make(): void {
  const r = spawnSync('make', ['-s', '-C', fw, '-j2'], { encoding: 'utf8' });
  assert.is(r.status, 0, `make -C firmware:\n${r.stdout}${r.stderr}`);
}

function run(args: string[], input?: Buffer) {
  return spawnSync(sense, args, { input, maxBuffer: 64 << 20, encoding: 'utf8' });
}

requires(test, ...cc)('pce-sense --format eve writes the alerts of packetclip run (lab capture: SIMD, scalar, --alerts-only, stdin)', async () => {
  make();
  const node = await packetclip(['run', lab, '--format', 'eve']);
  assert.is(node.code, 0, node.stderr);
  const alerts = node.stdout.trim().split('\n');
  assert.ok(alerts.length >= 10, `${alerts.length} alerts`);
  assert.ok(alerts.every((l) => (JSON.parse(l) as { event_type: string }).event_type === 'alert'));
  for (const flags of [['--format', 'eve'], ['--format', 'eve', '--scalar'], ['--alerts-only']]) {
    const r = run(['-r', lab, ...flags]);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout === node.stdout, `pce-sense ${flags.join(' ')}: alerts differ from packetclip run`);
    assert.match(r.stderr, new RegExp(`, ${alerts.length} alerts`));
  }
  const bytes = readFileSync(lab);
  const n2 = spawnSync(process.execPath, [join(repoRoot, 'bin/packetclip.js'), 'run', '-', '--format', 'eve'], { input: bytes, maxBuffer: 64 << 20, encoding: 'utf8' });
  const c2 = run(['-r', '-', '--format', 'eve'], bytes);
  assert.is(c2.status, 0);
  assert.ok(!c2.stdout.includes('pcap_filename'));
  assert.ok(c2.stdout === n2.stdout, 'stdin: alerts differ');
});

requires(test, ...cc)('--config: other thresholds and episode rule give the same alerts as packetclip run --config', async () => {
  make();
  const cfgs = {
    loose: 'threshold.DoS\t19661\nthreshold.Reconnaissance\t22000\nthreshold.Brute Force\t16384\nepisode.k\t4\nepisode.n\t8\nepisode.quiet_us\t2000000\n',
    strict: '# strict\r\nthreshold.Brute Force\t29000\nthreshold.DoS\t32000\nthreshold.Reconnaissance\t30000\nepisode.k\t60\nepisode.n\t100\n\nepisode.quiet_us\t20000000\n',
  };
  const counts: number[] = [];
  for (const [name, body] of Object.entries(cfgs)) {
    const path = join(dir, `${name}.thresholds`);
    writeFileSync(path, `#packetclip-thresholds\tversion=1\n${body}`);
    const node = await packetclip(['run', lab, '--format', 'eve', '--config', path]);
    assert.is(node.code, 0, node.stderr);
    const r = run(['-r', lab, '--format', 'eve', '--config', path]);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout === node.stdout, `${name}: alerts differ from packetclip run --config`);
    counts.push(node.stdout.trim().split('\n').length);
  }
  assert.is.not(counts[0], counts[1]);
});

requires(test, ...cc)('a truncated capture: the alerts of every packet before the fault, then the error line (exit 1)', async () => {
  make();
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, readFileSync(lab).subarray(0, 3_000_000));
  const node = await packetclip(['run', cut, '--alerts-only']);
  assert.is(node.code, 1);
  const r = run(['-r', cut, '--alerts-only']);
  assert.is(r.status, 1);
  assert.ok(r.stdout === node.stdout, 'truncated capture: output differs');
  const lines = node.stdout.trim().split('\n');
  assert.ok(lines.length >= 3);
  assert.match(lines.at(-1)!, /^\{"error":"truncated packet record/);
});

requires(test, ...cc)('--format eve allocates nothing (LD_PRELOAD counter) and stays within 4 MiB RSS', () => {
  make();
  const so = join(dir, 'malloc-count.so');
  const b = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', so, join(fw, 'tools/malloc-count.c'), '-ldl'], { encoding: 'utf8' });
  assert.is(b.status, 0, b.stderr);
  const r = spawnSync(sense, ['-r', lab, '--format', 'eve', '--config', join(repoRoot, 'models/packetclip-edge.thresholds')], {
    encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, LD_PRELOAD: so },
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /malloc-count: 0 calls/);
  const rss = Number(/max RSS (\d+) KiB/.exec(r.stderr)![1]);
  assert.ok(rss <= 4096, `RSS ${rss} KiB > 4 MiB`);
});

requires(test, ...cc)('a bad thresholds file is refused (the message names the line), exit 2', () => {
  make();
  const cases: [string, RegExp][] = [
    ['#packetclip-thresholds\tversion=2\n', /thresholds version 2 is not supported/],
    ['#packetclip-thresholds\tversion=1\nthreshold.DoS\t0\n', /line 2 \(threshold\.DoS\): expected an integer in 1\.\.32768, got "0"/],
    ['#packetclip-thresholds\tversion=1\nthreshold.DoS\t26214\nthreshold.Reconnaissance\t26214\n', /no threshold for "Brute Force"/],
    ['#packetclip-thresholds\tversion=1\nepisode.k\t9\nepisode.n\t8\n', /episode\.k \(9\) is larger than episode\.n \(8\)/],
    ['hello\n', /not a thresholds file/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    const path = join(dir, `bad${i}.thresholds`);
    writeFileSync(path, text);
    const r = run(['-r', lab, '--format', 'eve', '--config', path]);
    assert.is(r.status, 2);
    assert.match(r.stderr, re);
    assert.is(r.stdout, '');
  }
});

requires(test, ...cc)('jsnum.c: mean probabilities, durations, toFixed, rates as V8 prints them (random and tie inputs)', () => {
  const bin = join(dir, 'jsnum-check');
  const b = spawnSync('gcc', ['-O2', '-Wall', '-I', join(fw, 'include'), '-o', bin, join(fw, 'tools/jsnum-check.c'), join(fw, 'src/jsnum.c')], { encoding: 'utf8' });
  assert.is(b.status, 0, b.stderr);
  let seed = 12345;
  const ri = (m: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * m);
  };
  const lines: string[] = [], want: string[] = [];
  const add = (line: string, v: string): void => {
    lines.push(line);
    want.push(v);
  };
  for (let i = 0; i < 100_000; i++) {
    switch (i % 5) {
      case 0: {
        const n = 1 + ri(i % 2 ? 100 : 200_000), q = ri(32768 * n + 1);
        add(`mean ${q} ${n}`, round6(q / 32768 / n));
        break;
      }
      case 1: {
        const us = ri(2) ? ri(1e7) : ri(1e12);
        add(`micros ${us}`, String(Number((us / 1e6).toFixed(6))));
        break;
      }
      case 2: {
        const f = ri(3), q = [10, 1000, 1e6][ri(3)]!, p = ri(2) ? ri(1e7) : 50_000 * (1 + ri(1000));
        add(`fixed ${p} ${q} ${f}`, (p / q).toFixed(f));
        break;
      }
      case 3: {
        const p = 1 + ri(i % 3 ? 100_000 : 50), us = 1 + (ri(2) ? ri(1e7) : ri(1e11));
        add(`ratep ${p} ${us}`, formatRate(p / (us / 1e6)));
        break;
      }
      default: {
        const p = 1 + ri([100, 10_000, 1e7][ri(3)]!), q = 1 + ri(i % 2 ? 5000 : 1e6);
        add(`rater ${p} ${q}`, formatRate(p / q));
      }
    }
  }
  for (const [p, q] of [[5, 2], [1, 8], [1005, 10], [2001, 2], [99995, 1000], [9995, 1000], [1, 1e7], [123, 1e9]]) add(`rater ${p} ${q}`, formatRate(p! / q!));
  for (const us of [250_000, 50_000, 150_000, 1_050_000, 2_250_000, 350_000]) add(`fixed ${us} 1000000 1`, (us / 1e6).toFixed(1));
  for (const n of [1050, 1150, 1250, 2_005_000, 1_015_000]) {
    add(`fixed ${n} 1000 1`, (n / 1e3).toFixed(1));
    add(`fixed ${n} 1000000 2`, (n / 1e6).toFixed(2));
  }
  const r = spawnSync(bin, [], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.is(r.status, 0, r.stderr);
  const got = r.stdout.split('\n');
  const bad = lines.map((l, i) => [l, want[i], got[i]]).filter(([, w, g]) => w !== g);
  assert.is(bad.length, 0, `jsnum.c differs from V8: ${bad.slice(0, 5).map((x) => x.join(' | ')).join('; ')}`);
});

test.run();
