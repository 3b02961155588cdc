/**
 * The blob format's limits (src/blob/constants.ts Limit, docs/blob-format.md "DIMS") applied to
 * the ONNX metadata before any work: a dimension the engine would refuse must fail here, in
 * microseconds, naming its metadata key, not after minutes of calibration or an exhausted heap.
 */
import { Limit } from '../blob/constants.js';
import { ContractError } from './contract-error.js';
import type { Mission } from './kg.js';

/** The ModelDims fields checked here (declared apart so that onnx-model.ts, which calls this, is not imported back). */
interface Dims { P: number; hidden: readonly number[]; E: number; H: number; L: number; M: number; A: number; FF: number }

function within(key: string, v: number, lo: number, hi: number, why = ''): void {
  if (!(v >= lo && v <= hi)) throw new ContractError(`${key} is ${v}, outside ${lo}..${hi}${why ? ` (${why})` : ''}, the blob format's limit`);
}

function nameBytes(key: string, name: string): void {
  const n = new TextEncoder().encode(name).length;
  if (n > Limit.NAME_BYTES) throw new ContractError(`${key} is ${n} bytes of UTF-8, more than the blob format's limit of ${Limit.NAME_BYTES}`);
}

/**
 * Throws a ContractError naming the metadata key of the first dimension, count or name outside
 * the blob format's limits. The embedding width E is not stored in the blob (the converter fuses
 * it away) but sizes float work: it gets the limit of a projection width.
 */
export function checkBlobLimits(d: Dims, featureVersion: number, windowSources: number, classes: readonly string[], missions: readonly Mission[]): void {
  within('pce.feature_version', featureVersion, 0, 0xffffffff);
  within('pce.window', d.A, 1, Limit.A);
  within('pce.window_sources', windowSources, 0, Limit.WINDOW_SOURCES);
  within('pce.dims.packet_features', d.P, 1, Limit.P);
  within('pce.dims.hidden (number of layers)', d.hidden.length, 0, Limit.K - 1, 'the blob holds hidden layers + 1 projection ops');
  d.hidden.forEach((h, i) => within(`pce.dims.hidden[${i}]`, h, 1, Limit.OUT_DIM));
  within('pce.dims.embedding', d.E, 1, Limit.OUT_DIM);
  within('pce.dims.gnn_width', d.H, Limit.H_MIN, Limit.H_MAX);
  if ((d.H & (d.H - 1)) !== 0) throw new ContractError(`pce.dims.gnn_width is ${d.H}, not a power of two (the blob format requires one)`);
  within('pce.dims.gnn_layers', d.L, 1, Limit.L);
  within('pce.dims.ff', d.FF, 1, Limit.FF);
  within('pce.missions (number of missions)', missions.length, 1, Limit.M);
  within('pce.missions × pce.dims.gnn_width (frame width D)', d.M * d.H, 1, Limit.D);
  within('pce.classes (number of classes)', classes.length, Limit.C_MIN, Limit.C_MAX);
  classes.forEach((c, i) => nameBytes(`pce.classes[${i}]`, c));
  missions.forEach((m, i) => {
    nameBytes(`pce.missions[${i}].name`, m.name);
    within(`pce.missions[${i}].concepts (number of concepts)`, m.concepts.length, Limit.NODES_MIN - 2, Limit.NODES_MAX - 2, 'a mission has its concepts + 2 nodes');
    m.concepts.forEach((c, k) => nameBytes(`pce.missions[${i}].concepts[${k}].name`, c));
  });
}
