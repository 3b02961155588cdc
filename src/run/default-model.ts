/**
 * Which model `packetclip run` uses without --model: the shipped model when
 * models/packetclip-edge.pclip exists, else the parity fixture
 * (test/fixtures/fixture.onnx, seeded random weights, feature version 1)
 * converted in memory, calibrated on test/fixtures/fixture.inputs.f32.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertOnnx } from '../../tools/convert/convert.js';

const root = new URL('../../../', import.meta.url); // dist/src/run/ -> repo root

/** The trained model, once the training issue ships it. */
export const SHIPPED_MODEL_PATH = fileURLToPath(new URL('models/packetclip-edge.pclip', root));
export const FIXTURE_ONNX_PATH = fileURLToPath(new URL('test/fixtures/fixture.onnx', root));
export const FIXTURE_CALIBRATION_PATH = fileURLToPath(new URL('test/fixtures/fixture.inputs.f32', root));

export interface ModelChoice {
  /** The blob to load. */
  blob: Uint8Array;
  /** One line for stderr: which model this is. */
  note: string;
  /** True for the random-weight parity fixture (its decisions mean nothing). */
  fixture: boolean;
}

/** The blob at `path`, or the default model when path is undefined. */
export function chooseModel(path?: string): ModelChoice {
  if (path !== undefined) return { blob: readFileSync(path), note: `model ${path}`, fixture: false };
  if (existsSync(SHIPPED_MODEL_PATH)) {
    return { blob: readFileSync(SHIPPED_MODEL_PATH), note: `model ${SHIPPED_MODEL_PATH} (the shipped model)`, fixture: false };
  }
  const r = convertOnnx(readFileSync(FIXTURE_ONNX_PATH), { calibration: readFileSync(FIXTURE_CALIBRATION_PATH) });
  return {
    blob: r.blob,
    note: `no shipped model at ${SHIPPED_MODEL_PATH}: using the parity fixture ${FIXTURE_ONNX_PATH} (seeded RANDOM weights, `
      + 'converted in memory, calibrated on fixture.inputs.f32): its labels and explanations carry no meaning',
    fixture: true,
  };
}
