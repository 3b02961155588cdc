/** The in-memory form of a blob: what the writer takes and the reader returns. */
import type { Dims } from './layout.js';

export type TensorData = Int8Array | Int16Array | Int32Array;

export interface Tensor { id: number; data: TensorData; }

export interface Names {
  classes: string[];
  missions: { name: string; concepts: string[] }[];
}

export interface BlobModel {
  /** Header field (format version 2): 0 = one temporal window for every packet, 1..256 = one per source address, LRU. */
  windowSources: number;
  dims: Dims;
  topology: Tensor[];
  tensors: Tensor[];
  tables: Tensor[];
  names: Names;
}

export function dtypeOf(data: TensorData): number {
  if (data instanceof Int8Array) return 1;
  if (data instanceof Int16Array) return 2;
  return 3;
}

export class BlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobError';
  }
}
