/**
 * Which model `packetclip run` uses without --model: the shipped model,
 * models/packetclip-edge.pclip, which `npm run build` converts from
 * models/packetclip-edge.onnx (docs/training.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../../../', import.meta.url); // dist/src/run/ -> repo root

/** The trained model's blob, written by `npm run build`. */
export const SHIPPED_MODEL_PATH = fileURLToPath(new URL('models/packetclip-edge.pclip', root));

export interface ModelChoice {
  /** The blob to load. */
  blob: Uint8Array;
  /** One line for stderr: which model this is. */
  note: string;
}

/** The blob at `path`, or the shipped model when path is undefined. */
export function chooseModel(path?: string): ModelChoice {
  if (path !== undefined) return { blob: readFileSync(path), note: `model ${path}` };
  if (!existsSync(SHIPPED_MODEL_PATH)) {
    throw new Error(`no model given and the shipped model ${SHIPPED_MODEL_PATH} is missing: `
      + 'run `npm run build` (it converts models/packetclip-edge.onnx), or pass --model');
  }
  return { blob: readFileSync(SHIPPED_MODEL_PATH), note: `model ${SHIPPED_MODEL_PATH} (the shipped model)` };
}
