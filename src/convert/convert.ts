/** ONNX (export contract) -> validated fixed-point blob: `packetclip convert`. */
import { writeBlob } from '../blob/writer.js';
import { loadContractModel, type ContractModel } from './onnx-model.js';
import { quantize } from './quantize.js';
import { FEATURES_FILE_MAGIC, readFeaturesFile } from '../features/features-file.js';
import { rowsOf, syntheticStream } from './synthetic.js';

/** Without a calibration file: 8 seeded synthetic streams of 256 packets (8 prototype sets). */
export const DEFAULT_CALIBRATION = { streams: 8, packetsPerStream: 256 } as const;

export interface ConvertOptions {
  /** A features file (docs/features-file.md) or float32 LE [n, P] feature rows;
   *  default: DEFAULT_CALIBRATION synthetic packets. */
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
    ? calibrationRows(opts.calibration, P, model.featureVersion)
    : Array.from({ length: DEFAULT_CALIBRATION.streams }, (_, s) => syntheticStream(P, DEFAULT_CALIBRATION.packetsPerStream, s + 1)).flat();
  const { blob, scales } = quantize(model, rows);
  return {
    blob: writeBlob(blob), model, scales,
    calibration: { packets: rows.length, source: opts.calibration ? 'file' : 'synthetic' },
  };
}

/** Calibration rows from a features file (the model sees v / 255, as in
 *  training) or from raw float32 rows. */
function calibrationRows(bytes: Uint8Array, P: number, featureVersion: number): Float64Array[] {
  const isFeaturesFile = bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === FEATURES_FILE_MAGIC;
  if (!isFeaturesFile) return rowsOf(bytes, P, 'calibration file');
  const f = readFeaturesFile(bytes);
  if (f.width !== P) throw new Error(`calibration features file: ${f.width} features per row, the model takes ${P}`);
  if (f.featureVersion !== featureVersion) {
    throw new Error(`calibration features file: feature version ${f.featureVersion}, the model was trained on version ${featureVersion}`);
  }
  if (f.rows === 0) throw new Error('calibration features file: no rows');
  return Array.from({ length: f.rows }, (_, i) => Float64Array.from(f.data.subarray(i * P, (i + 1) * P), (v) => v / 255));
}
