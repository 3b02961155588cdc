/**
 * `packetclip` command line. Each command is a small function over the
 * library; errors become one clear line on stderr and exit code 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { intFlag, parseArgs, stringFlag, UsageError, type Parsed } from './args.js';
import { guardOutput, isBrokenPipe, isWriteError, writeChunk } from './output.js';
import { checkOutputPath } from './output-path.js';

// Each command imports what it runs when it runs: loading every command's modules (the ONNX
// reader and protobufjs, verify, the efficiency report...) took about 0.1 s, a third of the
// process time of `packetclip run` on a small capture.

const USAGE = `usage:
  packetclip convert model.onnx -o model.pclip [--calibration feats.bin|features.f32]
  packetclip inspect model.pclip [--json]
  packetclip flows capture.pcap --csv [-o flows.csv] [--idle-timeout SECONDS]
  packetclip features capture.pcap -o feats.bin [--labels capture.labels.tsv] [--labels-out feats.labels.tsv] [--scalar]
  packetclip run [--model model.pclip] capture.pcap|- [--format jsonl|eve] [--alerts-only] [--config thresholds.tsv] [-o out] [--summary text|json] [--html report.html] [--explain] [--scalar]
  packetclip calibrate benign.pcap|- [-o thresholds.tsv] [--rate R] [--model model.pclip]
  packetclip verify model.onnx [--windows N] [--seed S] [--calibration feats.bin|features.f32] [--inputs features.f32] [--json]
  packetclip report RESULTS.json... [-o report.html] [--md] [--watts W]`;

type Command = (p: Parsed) => Promise<number>;

/** One line per command for `packetclip <cmd> --help`. */
const DESCRIPTIONS: Record<string, string> = {
  convert: 'converts a trained ONNX model into the engine\'s integer blob',
  inspect: 'prints what a blob holds: dimensions, classes, concepts, tensors, memory',
  flows: 'writes per-flow statistics of a capture as CSV',
  features: 'writes the engine\'s 128 features of every packet of a capture',
  run: 'classifies every packet of a capture (- = stdin): a JSON line per packet, or eve.json alerts per attack episode',
  calibrate: 'picks alert thresholds on your own benign traffic and writes a thresholds file for run --config',
  verify: 'checks the engine against ONNX Runtime on random or given inputs',
  report: 'turns benchmark result files (npm run bench, pce-bench, the Python runners) into the hardware-efficiency report',
};

/** The package version, from package.json beside dist/. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Writes a command's result to stdout; a failed write rejects (console.log would drop it). */
function print(text: string): Promise<void> {
  return writeChunk(process.stdout, `${text}\n`);
}

function one(p: Parsed, what: string): string {
  if (p.positional.length !== 1) throw new UsageError(`expected exactly one ${what}\n${USAGE}`);
  return p.positional[0];
}

const commands: Record<string, { values: string[]; switches: string[]; run: Command }> = {
  report: {
    values: ['-o', '--output', '--watts'], switches: ['--md'],
    run: async (p) => {
      if (p.positional.length === 0) throw new UsageError(`report needs at least one result file\n${USAGE}`);
      const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
      if (out !== undefined) checkOutputPath(out, '-o');
      const wattsText = stringFlag(p, '--watts');
      const watts = wattsText === undefined ? undefined : Number(wattsText);
      if (watts !== undefined && !(watts > 0 && Number.isFinite(watts))) throw new UsageError(`--watts must be a positive number of watts, got ${wattsText}`);
      const { parseBench } = await import('./efficiency/bench-schema.js');
      const { renderEfficiencyHtml, renderEfficiencyMarkdown } = await import('./efficiency/report.js');
      const files = p.positional.map((f) => parseBench(readFileSync(f, 'utf8'), f));
      const text = p.flags.has('--md') ? renderEfficiencyMarkdown(files, { watts }) : renderEfficiencyHtml(files, { watts });
      if (out !== undefined) writeFileSync(out, text);
      else await print(text.trimEnd());
      return 0;
    },
  },
  convert: {
    values: ['-o', '--output', '--calibration'], switches: [],
    run: async (p) => {
      const input = one(p, 'ONNX model');
      const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
      if (!out) throw new Error(`convert needs -o <model.pclip>\n${USAGE}`);
      const cal = stringFlag(p, '--calibration');
      const { convertOnnx } = await import('./convert/convert.js');
      const r = convertOnnx(readFileSync(input), { calibration: cal ? readFileSync(cal) : undefined });
      writeFileSync(out, r.blob);
      await print(`wrote ${out}: ${r.blob.length} bytes, calibrated on ${r.calibration.packets} ${r.calibration.source === 'file' ? `packets from ${cal}` : 'synthetic packets (pass --calibration with real features for a deployed model)'}`);
      return 0;
    },
  },
  inspect: {
    values: [], switches: ['--json'],
    run: async (p) => {
      const bytes = readFileSync(one(p, 'blob file'));
      const { formatReport, inspectBlob } = await import('./inspect/inspect.js');
      const { loadEngine } = await import('./engine.js');
      const report = inspectBlob(bytes);
      // The engine itself says how much linear memory it needs for this blob.
      const engine = await loadEngine(bytes, { simd: false });
      const memoryBytes = engine.info.memoryBytes;
      await print(p.flags.has('--json') ? JSON.stringify({ ...report, engineMemoryBytes: memoryBytes }, null, 2) : formatReport(report, memoryBytes));
      return 0;
    },
  },
  flows: {
    values: ['-o', '--output', '--idle-timeout'], switches: ['--csv'],
    run: async (p) => {
      const input = one(p, 'capture file');
      if (!p.flags.has('--csv')) throw new Error(`flows writes CSV only: pass --csv\n${USAGE}`);
      const idle = stringFlag(p, '--idle-timeout');
      const { describeFlowCounters, writeFlowsCsv } = await import('./flows/index.js');
      const counters = await writeFlowsCsv(input, stringFlag(p, '-o') ?? stringFlag(p, '--output') ?? process.stdout,
        { idleTimeoutSeconds: idle === undefined ? undefined : Number(idle) });
      console.error(describeFlowCounters(counters));
      return 0;
    },
  },
  features: {
    values: ['-o', '--output', '--labels', '--labels-out'], switches: ['--scalar'],
    run: async (p) => {
      const input = one(p, 'capture file');
      const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
      if (!out) throw new Error(`features needs -o <feats.bin> (a binary file, docs/features-file.md)\n${USAGE}`);
      const { describeFeatures, writeFeatures } = await import('./features/index.js');
      const r = await writeFeatures(input, out, {
        labels: stringFlag(p, '--labels'), labelsOut: stringFlag(p, '--labels-out'), simd: !p.flags.has('--scalar'),
      });
      console.error(describeFeatures(out, r));
      return 0;
    },
  },
  run: {
    values: ['--model', '--format', '-o', '--output', '--config', '--summary', '--html'], switches: ['--explain', '--scalar', '--alerts-only'],
    run: async (p) => {
      const input = one(p, 'capture file (or - for standard input)');
      const format = p.flags.has('--alerts-only') ? 'eve' : stringFlag(p, '--format') ?? 'jsonl';
      if (format !== 'jsonl' && format !== 'eve') throw new UsageError(`run: unknown --format ${JSON.stringify(format)}: jsonl (a line per packet, docs/run-format.md) or eve (alerts, docs/alerts-format.md)`);
      const summary = stringFlag(p, '--summary') ?? 'text';
      if (summary !== 'text' && summary !== 'json') throw new UsageError(`run: --summary is text or json, got ${JSON.stringify(summary)}`);
      const { runCommand } = await import('./run/run-command.js');
      return runCommand({
        input, output: stringFlag(p, '-o') ?? stringFlag(p, '--output'), model: stringFlag(p, '--model'), config: stringFlag(p, '--config'),
        format, explain: p.flags.has('--explain'), simd: !p.flags.has('--scalar'), summary, html: stringFlag(p, '--html'),
      });
    },
  },
  calibrate: {
    values: ['-o', '--output', '--rate', '--model'], switches: [],
    run: async (p) => {
      const input = one(p, 'benign capture (or - for standard input)');
      const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
      if (out !== undefined) checkOutputPath(out, '-o');
      const { calibrate, DEFAULT_RATE } = await import('./calibrate/calibrate.js');
      const rateText = stringFlag(p, '--rate');
      const rate = rateText === undefined ? DEFAULT_RATE : Number(rateText);
      if (!(rate > 0 && rate < 1)) throw new UsageError(`--rate must be a fraction between 0 and 1, got ${rateText}`);
      const { formatThresholds } = await import('./alerts/index.js');
      const c = await calibrate(input, { model: stringFlag(p, '--model'), rate });
      const text = formatThresholds(c.thresholds, c.comments);
      if (out !== undefined) writeFileSync(out, text);
      else await print(text.trimEnd());
      console.error(`packetclip calibrate: ${c.comments.join('; ')}`);
      return 0;
    },
  },
  verify: {
    values: ['--windows', '--seed', '--calibration', '--inputs'], switches: ['--json'],
    run: async (p) => {
      const cal = stringFlag(p, '--calibration'), inputs = stringFlag(p, '--inputs');
      const { formatVerify, verifyModel } = await import('./verify/verify.js');
      const r = await verifyModel(readFileSync(one(p, 'ONNX model')), {
        windows: intFlag(p, '--windows', 2000, 1, 10_000_000), seed: intFlag(p, '--seed', 1, 0, 2 ** 31 - 1),
        calibration: cal ? readFileSync(cal) : undefined, inputs: inputs ? readFileSync(inputs) : undefined,
      });
      await print(p.flags.has('--json') ? JSON.stringify(r, null, 2) : formatVerify(r));
      return r.simdEqualsScalar && r.streamingEqualsRecompute ? 0 : 1;
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  guardOutput(process.stdout); // a write error reaches the command that wrote, never as an uncaught 'error' event
  const [name, ...rest] = argv;
  let parsed: Parsed | undefined;
  try {
    if (!name || name === '-h' || name === '--help' || name === 'help') {
      await print(USAGE);
      return name ? 0 : 2;
    }
    if (name === '--version' || name === '-V') {
      await print(`packetclip ${version()}`);
      return 0;
    }
    const cmd = commands[name];
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(name)}\n${USAGE}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      await print(`packetclip ${name}: ${DESCRIPTIONS[name] ?? ''}\n${USAGE.split('\n').filter((l) => l.startsWith(`  packetclip ${name} `)).join('\n')}`);
      return 0;
    }
    parsed = parseArgs(rest, cmd);
    return await cmd.run(parsed);
  } catch (e) {
    // The reader of our stdout went away (`| head -1`): it has all it wanted, nothing to say.
    if (isBrokenPipe(e)) return 0;
    if (isWriteError(e)) {
      const target = (parsed && (stringFlag(parsed, '-o') ?? stringFlag(parsed, '--output'))) ?? 'standard output';
      throw new Error(`${name ?? 'packetclip'}: cannot write ${target}: ${e.message}`);
    }
    throw e;
  }
}
