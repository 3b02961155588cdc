/**
 * `packetclip` command line. Each command is a small function over the
 * library; errors become one clear line on stderr and exit code 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { convertOnnx } from '../tools/convert/convert.js';
import { formatReport, inspectBlob } from '../tools/inspect/inspect.js';
import { parseArgs, stringFlag, type Parsed } from './args.js';

const USAGE = `usage:
  packetclip convert model.onnx -o model.pclip [--calibration features.f32]
  packetclip inspect model.pclip [--json]`;

type Command = (p: Parsed) => Promise<number>;

function one(p: Parsed, what: string): string {
  if (p.positional.length !== 1) throw new Error(`expected exactly one ${what}\n${USAGE}`);
  return p.positional[0];
}

const commands: Record<string, { values: string[]; switches: string[]; run: Command }> = {
  convert: {
    values: ['-o', '--output', '--calibration'], switches: [],
    run: async (p) => {
      const input = one(p, 'ONNX model');
      const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
      if (!out) throw new Error(`convert needs -o <model.pclip>\n${USAGE}`);
      const cal = stringFlag(p, '--calibration');
      const r = convertOnnx(readFileSync(input), { calibration: cal ? readFileSync(cal) : undefined });
      writeFileSync(out, r.blob);
      console.log(`wrote ${out}: ${r.blob.length} bytes, calibrated on ${r.calibration.packets} ${r.calibration.source === 'file' ? `packets from ${cal}` : 'synthetic packets (pass --calibration with real features for a deployed model)'}`);
      return 0;
    },
  },
  inspect: {
    values: [], switches: ['--json'],
    run: async (p) => {
      const report = inspectBlob(readFileSync(one(p, 'blob file')));
      console.log(p.flags.has('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
      return 0;
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) throw new Error(`unknown command ${JSON.stringify(name)}\n${USAGE}`);
  return cmd.run(parseArgs(rest, cmd));
}
