/**
 * The `packetclip run` command around runSession(): output choice (file, or stdout streamed when
 * it is not a regular file), SIGINT/SIGTERM (finish the packet in hand, flush, summary, exit
 * 130/143), the summary (stderr text or --summary json), a progress bar for files on a TTY, and
 * --html. docs/run-format.md, docs/alerts-format.md.
 */
import { createWriteStream, fstatSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { endOutput } from '../output.js';
import { checkOutputPath } from '../output-path.js';
import { ReportCollector, renderReport } from '../report/html.js';
import { runSession, STDIN } from './session.js';
import { formatSummary } from './summary.js';

export interface RunCommandOptions {
  readonly input: string;
  readonly output?: string;
  readonly model?: string;
  readonly config?: string;
  readonly format: 'jsonl' | 'eve';
  readonly explain: boolean;
  readonly simd: boolean;
  readonly summary: 'text' | 'json';
  readonly html?: string;
}

/** Exit statuses after a signal: 128 + its number. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** A one-line progress bar on stderr, redrawn at most 5 times a second. */
function progressBar(size: number): { update: (offset: number, packets: number) => void; done: () => void } {
  let last = 0;
  return {
    update(offset, packets) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      const f = Math.min(1, offset / size);
      const w = 30;
      process.stderr.write(`\r[${'#'.repeat(Math.round(f * w)).padEnd(w, '.')}] ${(100 * f).toFixed(0).padStart(3)}% ${packets} packets`);
    },
    done() {
      if (last > 0) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function runCommand(o: RunCommandOptions): Promise<number> {
  if (o.output !== undefined) checkOutputPath(o.output, '-o');
  if (o.html !== undefined) checkOutputPath(o.html, '--html');
  const out = o.output !== undefined ? createWriteStream(o.output) : process.stdout;
  const stream = o.output === undefined && !isRegularFile(1);
  let onSignal: (sig: string) => void = () => {};
  const stop = new Promise<string>((resolve) => (onSignal = resolve));
  const handler = (sig: NodeJS.Signals): void => onSignal(sig);
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  const bar = o.input !== STDIN && process.stderr.isTTY ? progressBar(Math.max(1, statSync(o.input, { throwIfNoEntry: false })?.size ?? 1)) : undefined;
  let collector: ReportCollector | undefined;
  let count = 0;
  try {
    const r = await runSession(o.input, out, {
      model: o.model, simd: o.simd, explain: o.explain, format: o.format, config: o.config, stream, stop,
      captureName: o.input === STDIN ? undefined : basename(o.input),
      onNote: (note) => console.error(`packetclip run: ${note}`),
      onReady: (engine) => {
        if (o.html !== undefined) collector = new ReportCollector(engine.info.classes);
      },
      onPacket: (p, facts, label, probs) => {
        count++;
        bar?.update(p.fileOffset, count);
        collector?.packet(facts, label, probs);
      },
    });
    bar?.done();
    if (o.output !== undefined) await endOutput(out);
    if (collector !== undefined) {
      writeFileSync(o.html!, renderReport({ title: `packetclip report: ${o.input === STDIN ? 'standard input' : basename(o.input)}`, collector, alerts: r.tally.alerts, packets: r.tally.packets }));
    }
    const s = r.tally.summary(r.stopped);
    console.error(o.summary === 'json' ? JSON.stringify(s) : `packetclip run: ${formatSummary(s)}`);
    if (r.captureError) {
      console.error(`packetclip run: ${o.input === STDIN ? 'standard input' : o.input}: ${r.captureError.message}; the ${r.tally.packets} packets before it were classified`);
      return 1;
    }
    if (r.stopped !== undefined) {
      process.stdin.destroy(); // a pending read on a pipe would keep the process alive
      return SIGNAL_EXIT[r.stopped] ?? 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}
