/**
 * `packetclip features`: every packet of a capture -> one row of the
 * features file (docs/features-file.md), plus, with a label manifest, a
 * validated copy of the labels beside it. The engine computes the features
 * (pce_extract), exactly as pushPacket does before the model.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { PcapError, readCaptureFile } from '../pcap/index.js';
import { createFeatureExtractor } from './extractor.js';
import { FeaturesFileWriter } from './features-file.js';
import { checkLabelsCover, formatLabelsManifest, parseLabelsManifest, type LabelsManifest } from './labels-manifest.js';
import { FEATURE_COUNT } from './packet-input.js';
import { packetStatusText } from './packet-status.js';

/** Options of writeFeatures(); every field is optional. */
export interface WriteFeaturesOptions {
  /** A label manifest (docs/labels-format.md) for the capture; validated against it. */
  labels?: string;
  /** Where the labels copy goes; default: labelsPathFor(out). */
  labelsOut?: string;
  /** Engine build (default SIMD); both give identical features. */
  simd?: boolean;
}

export interface WriteFeaturesResult {
  /** Rows written = packets read. */
  rows: number;
  featureVersion: number;
  /** Packets per decode status (PACKET_STATUS code -> count); absent codes are 0. */
  statuses: Map<number, number>;
  /** The labels file written, when labels were given. */
  labelsOut?: string;
}

/** Default labels path: `feats.bin` -> `feats.labels.tsv`, anything else + `.labels.tsv`. */
export function labelsPathFor(out: string): string {
  return out.endsWith('.bin') ? `${out.slice(0, -4)}.labels.tsv` : `${out}.labels.tsv`;
}

/** One line for stderr: rows, version, and the packets that did not decode fully. */
export function describeFeatures(out: string, r: WriteFeaturesResult): string {
  const bad = [...r.statuses].filter(([code]) => code !== 0).sort((a, b) => a[0] - b[0]);
  const decode = bad.length === 0 ? 'every packet decoded' : bad.map(([code, n]) => `${n} × ${packetStatusText(code)}`).join('; ');
  return `wrote ${out}: ${r.rows} rows × ${FEATURE_COUNT} features (version ${r.featureVersion}); ${decode}${r.labelsOut ? `; labels ${r.labelsOut}` : ''}`;
}

/**
 * Writes the features of every packet of `capture` to `out`. On a corrupt or
 * truncated capture the rows before the fault are kept (and the header says
 * how many), then the PcapError is rethrown with that count in its message.
 */
export async function writeFeatures(capture: string, out: string, opts: WriteFeaturesOptions = {}): Promise<WriteFeaturesResult> {
  let manifest: LabelsManifest | undefined;
  if (opts.labels !== undefined) manifest = parseLabelsManifest(await readFile(opts.labels, 'utf8'), opts.labels);
  const fx = await createFeatureExtractor({ simd: opts.simd });
  const writer = await FeaturesFileWriter.create(out, fx.featureVersion, FEATURE_COUNT);
  const statuses = new Map<number, number>();
  let read = 0; // packets the reader handed over
  try {
    for await (const p of readCaptureFile(capture)) {
      read++;
      fx.extract(p.data, p.tsMicros, p.linkType, p.origLen, writer.nextRow());
      const s = fx.status();
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
      await writer.commitRow();
    }
  } catch (e) {
    // Whatever failed, the rows before it are kept, unless writing them is what fails.
    const kept = await writer.close().then(() => true, () => false);
    if (kept && e instanceof Error && (e instanceof PcapError || read > 0)) {
      e.message = `${e.message} (${out} keeps the ${writer.rowCount} packets before it)`;
    }
    throw e;
  }
  await writer.close();
  const result: WriteFeaturesResult = { rows: writer.rowCount, featureVersion: fx.featureVersion, statuses };
  if (manifest && opts.labels !== undefined) {
    checkLabelsCover(manifest, opts.labels, writer.rowCount, capture);
    const labelsOut = opts.labelsOut ?? labelsPathFor(out);
    const meta = new Map(manifest.meta);
    meta.set('capture', relative(dirname(resolve(labelsOut)), resolve(capture)));
    meta.set('features', basename(out));
    await writeFile(labelsOut, formatLabelsManifest(meta, manifest.rows));
    result.labelsOut = labelsOut;
  }
  return result;
}
