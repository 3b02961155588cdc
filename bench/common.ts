/**
 * What every benchmark writer shares: the summary of a sample, the machine
 * record of the benchmark schema (docs/bench-format.md) and a result path
 * that never overwrites an earlier run's file.
 */
import { existsSync } from 'node:fs';
import { cpus, machine, release, version } from 'node:os';
import type { BenchFile } from '../src/efficiency/bench-schema.js';

/** Median, minimum and median absolute deviation of a sample (ns). */
export function stats(t: number[]): { medianNs: number; minNs: number; madNs: number } {
  const s = [...t].sort((a, b) => a - b), med = s[s.length >> 1];
  const dev = s.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
  return { medianNs: med, minNs: s[0], madNs: dev[dev.length >> 1] };
}

/** This machine as the schema's `machine` record. */
export function thisMachine(): BenchFile['machine'] {
  const cpu = cpus()[0];
  return {
    uname: `${process.platform} ${release()} ${version()} ${machine()}`, arch: machine(), // uname -m: x86_64, aarch64, armv7l, mips
    cpuModel: cpu?.model ?? 'unknown', cores: cpus().length, clockMHz: cpu?.speed || null,
  };
}

/** `${stem}.json`, or with the first free suffix b, c, ... when a run of the same day wrote it already. */
export function freshPath(stem: string): string {
  for (const suffix of ['', ...'bcdefghijklmnopqrstuvwxyz']) {
    if (!existsSync(`${stem}${suffix}.json`)) return `${stem}${suffix}.json`;
  }
  throw new Error(`${stem}*.json: no free name left`);
}
