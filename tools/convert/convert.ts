/** ONNX (export contract) -> validated fixed-point blob: `packetclip convert`. */
import { writeBlob } from '../blob/writer.js';
import { loadContractModel, type ContractModel } from './onnx-model.js';
import { quantize } from './quantize.js';
import { rowsOf, syntheticStream } from './synthetic.js';

/** Without a calibration file: 8 seeded synthetic streams of 256 packets (8 prototype sets). */
export const DEFAULT_CALIBRATION = { streams: 8, packetsPerStream: 256 } as const;

export interface ConvertOptions {
  /** float32 LE [n, P] feature rows; default: DEFAULT_CALIBRATION synthetic packets. */
  calibration?: Uint8Array;
}

export interface Converted {
  blob: Uint8Array;
  model: ContractModel;
  scales: Record<string, number>;
  calibration: { packets: number; source: 'file' | 'synthetic' };
}

export function convertOnnx(onnxBytes: Uint8Array, opts: ConvertOptions = {}): Converted {
  const model = loadContractModel(onnxBytes);
  const P = model.dims.P;
  const rows = opts.calibration
    ? rowsOf(opts.calibration, P, 'calibration file')
    : Array.from({ length: DEFAULT_CALIBRATION.streams }, (_, s) => syntheticStream(P, DEFAULT_CALIBRATION.packetsPerStream, s + 1)).flat();
  const { blob, scales } = quantize(model, rows);
  return {
    blob: writeBlob(blob), model, scales,
    calibration: { packets: rows.length, source: opts.calibration ? 'file' : 'synthetic' },
  };
}
