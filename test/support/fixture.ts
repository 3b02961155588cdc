/** The parity fixture (test/fixtures, made by tools/train/make_fixture.py) and ONNX Runtime around it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const fixturePath = (name: string): string => `${root}test/fixtures/${name}`;

export interface Expected { packets: number; packet_features: number; frames: number[][]; probs: number[][]; }

export const expected = (): Expected => JSON.parse(readFileSync(fixturePath('fixture.expected.json'), 'utf8'));

export function stream(): Float32Array[] {
  const b = readFileSync(fixturePath('fixture.inputs.f32'));
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const P = 128;
  return Array.from({ length: all.length / P }, (_, i) => all.subarray(i * P, (i + 1) * P));
}

/** The window ending at packet t: A slots, zero-padded (present = 0) before packet 0. */
export function windowAt(packets: ArrayLike<number>[], t: number, A: number, P: number): { packets: Float32Array; present: Float32Array } {
  const x = new Float32Array(A * P), present = new Float32Array(A);
  for (let slot = 0; slot < A; slot++) {
    const i = t - (A - 1) + slot;
    if (i < 0) continue;
    x.set(packets[i], slot * P);
    present[slot] = 1;
  }
  return { packets: x, present };
}

export async function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
}

/** Runs the contract graph on a batch of windows; returns probs [B][C] and frames [B][A*D]. */
export async function runWindows(s: ort.InferenceSession, wins: { packets: Float32Array; present: Float32Array }[], A: number, P: number) {
  const B = wins.length;
  const x = new Float32Array(B * A * P), pr = new Float32Array(B * A);
  wins.forEach((w, b) => { x.set(w.packets, b * A * P); pr.set(w.present, b * A); });
  const out = await s.run({ packets: new ort.Tensor('float32', x, [B, A, P]), present: new ort.Tensor('float32', pr, [B, A]) });
  const probs = out.probs.data as Float32Array, frames = out.frames.data as Float32Array;
  const C = probs.length / B, F = frames.length / B;
  return {
    probs: Array.from({ length: B }, (_, b) => probs.subarray(b * C, (b + 1) * C)),
    frames: Array.from({ length: B }, (_, b) => frames.subarray(b * F, (b + 1) * F)),
  };
}
