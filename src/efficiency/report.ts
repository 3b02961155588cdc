/**
 * `packetclip report RESULTS.json... -o report.html` (or `--md`): the
 * hardware-efficiency report (docs/efficiency.md) from benchmark result
 * files (docs/bench-format.md): one self-contained HTML file, inline SVG
 * charts, no script, no network. Every number printed from a result file
 * carries its raw value in `data-value`, so a reader (and the test) can check
 * the page against the JSON.
 */
import { esc } from '../report/html.js';
import type { BenchFile, BenchResult, OpCounts } from './bench-schema.js';

export interface ReportOptions {
  /** Board power in watts: energy per decision = watts × time per decision, an estimate. */
  watts?: number;
  title?: string;
}

/**
 * The paper's own statements (PacketCLIP, Masukawa et al., §F "Hardware
 * Efficiency Analysis", Fig. 6 and the contributions list; in ../shared/seeds).
 * The text gives ratios, not per-model values: Fig. 6 plots FLOPs and
 * parameters of ET-BERT, TFE-GNN and CLE-TFE on a log scale without printing
 * them, so no number is read off the chart here.
 */
export const PAPER_ROWS = [
  { model: 'ET-BERT', parameters: '≥ 107 M more than PacketCLIP\'s GNN reasoning module', flops: '≈ 30 × the GNN module\'s FLOPs', source: 'paper §F, Fig. 6' },
  { model: 'TFE-GNN', parameters: 'plotted in Fig. 6 (b), no value in the text', flops: 'plotted in Fig. 6 (a), no value in the text', source: 'paper §F, Fig. 6' },
  { model: 'CLE-TFE', parameters: 'plotted in Fig. 6 (b), no value in the text', flops: 'plotted in Fig. 6 (a), no value in the text', source: 'paper §F, Fig. 6' },
  { model: 'PacketCLIP (paper)', parameters: '92 % fewer than existing methods', flops: '98 % fewer than existing methods', source: 'paper, abstract and contributions' },
] as const;

const STAGE_LABELS: Record<string, string> = {
  projection: 'projection (eq. 5)', gnn: 'mission GNNs, live nodes (eqs. 6-9)', qkv: 'q, k, v (eq. 10)', attention: 'attention (eqs. 11-13)',
  outProjection: 'out projection (eq. 14)', norms: 'residuals + LayerNorms (eqs. 14-16)', feedForward: 'feed-forward', head: 'head + probabilities (eq. 17)',
  explain: 'explain (on demand)',
};

const fmtInt = (v: number) => Math.round(v).toLocaleString('en-US');
const fmtNum = (v: number, digits = 2) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A number cell: the formatted text, the raw value in data-value. */
const n = (v: number, text = fmtInt(v)) => `<span class="n" data-value="${v}">${esc(text)}</span>`;

function label(f: BenchFile, run?: { runtime: string; build: string }): string {
  return `${run ? `${run.runtime} ${run.build} · ` : ''}${f.machine.arch} ${f.machine.cpuModel}`;
}

interface Bar { label: string; value: number; note?: string }

/** A horizontal bar chart (inline SVG); `log` for values spanning decades. */
export function barChart(id: string, title: string, bars: Bar[], unit: string, opts: { log?: boolean; max?: number } = {}): string {
  const W = 860, rowH = 22, L = 330, R = 150, H = bars.length * rowH + 34;
  const pos = bars.map((b) => b.value).filter((v) => v > 0);
  const max = opts.max ?? Math.max(...pos, 1);
  const min = opts.log ? Math.min(...pos, max) / 2 : 0;
  const scale = (v: number) => {
    if (v <= 0) return 0;
    return opts.log ? ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min) || 1)) * (W - L - R) : (v / max) * (W - L - R);
  };
  const rows = bars.map((b, i) => {
    const y = 24 + i * rowH, w = Math.max(1, scale(b.value));
    return `<text x="${L - 8}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect class="mark" x="${L}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#1565c0" data-value="${b.value}"><title>${esc(`${b.label}: ${b.value} ${unit}`)}</title></rect>` +
      `<text x="${L + w + 6}" y="${y + 14}">${esc(`${Number.isInteger(b.value) || b.value >= 100 ? fmtInt(b.value) : fmtNum(b.value)} ${unit}${b.note ? ` ${b.note}` : ''}`)}</text>`;
  }).join('');
  return `<figure><svg class="chart" id="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<text x="0" y="14" font-weight="bold">${esc(title)}${opts.log ? ' (log scale)' : ''}</text>${rows}</svg></figure>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

function kinds(t: OpCounts): string[] {
  return Object.keys(Object.values(t)[0] ?? {});
}

/** The result every file measures the engine by: V8 or wasm2c SIMD push, else the first kernel named push. */
function enginePush(f: BenchFile): { run: BenchFile['runs'][number]; r: BenchResult } | undefined {
  for (const run of f.runs) {
    if (run.runtime.startsWith('onnxruntime')) continue;
    const r = run.results.find((x) => x.name === 'push');
    if (r) return { run, r };
  }
  return undefined;
}

/**
 * MACs per second of a result whose writer did not know its MACs (pce-bench,
 * the Python runners): from the counted operations of a file with the same
 * model hash, by item name. Null if none has them.
 */
function opsFromCounts(files: BenchFile[], f: BenchFile, r: BenchResult): number | null {
  const c = files.find((x) => x.counted && x.model.hash === f.model.hash)?.counted;
  if (!c) return null;
  const sum = (t: OpCounts) => Object.entries(t).filter(([s]) => s !== 'explain').reduce((a, [, v]) => a + v.macs, 0);
  const per: Record<string, number> = { push: sum(c.streaming), push_packet: sum(c.streaming), explain: sum(c.streaming) + c.explain.macs };
  if (c.recompute) per.recompute = sum(c.recompute); // without it, a recompute's MACs are unknown (fullWindow also counts A projections and GNNs)
  return per[r.name] === undefined ? null : (per[r.name] * 1e9) / r.medianNs;
}

export function renderEfficiencyHtml(files: BenchFile[], opts: ReportOptions = {}): string {
  if (files.length === 0) throw new Error('report: no result files');
  const title = opts.title ?? 'packetclip-edge hardware efficiency';
  const withCounts = files.find((f) => f.counted);
  const main = withCounts ?? files[0];
  const parts: string[] = [];

  // Model: parameters and blob bytes by section.
  const m = main.model;
  parts.push(`<h2 id="model">Model</h2><p>${esc(m.name)}, ${esc(m.hash)}, ${n(m.blobBytes)} bytes${m.parameters !== undefined ? `, ${n(m.parameters)} parameters (int8 weights, int32 biases, norms)` : ''}${m.window ? `, window A = ${n(m.window)}` : ''}.</p>`);
  if (m.sections?.length) parts.push(barChart('chart-sections', 'Blob bytes by section', m.sections.map((s) => ({ label: s.name, value: s.bytes })), 'B'));

  // Counted operations.
  if (withCounts?.counted) {
    const c = withCounts.counted;
    const ks = kinds(c.streaming);
    const stages = Object.keys(c.streaming).filter((s) => s !== 'explain');
    parts.push('<h2 id="ops">Operations per packet, counted</h2><p>Measured in the counting build\'s reference kernels (docs/efficiency.md): a MAC is one multiply-accumulate term of a dot product; the other kinds are the integer operations around them. Streaming = one push; full window = one recompute plus A packets\' projection and GNN.</p>');
    parts.push(barChart('chart-macs', 'MACs per packet by stage (streaming)', stages.map((s) => ({ label: STAGE_LABELS[s] ?? s, value: c.streaming[s].macs })), 'MAC'));
    const total = (t: OpCounts, k: string) => stages.reduce((a, s) => a + t[s][k], 0);
    parts.push(table(['stage', ...ks], [
      ...stages.map((s) => [esc(STAGE_LABELS[s] ?? s), ...ks.map((k) => n(c.streaming[s][k], fmtNum(c.streaming[s][k], Number.isInteger(c.streaming[s][k]) ? 0 : 1)))]),
      ['<b>total, streaming</b>', ...ks.map((k) => n(total(c.streaming, k), fmtNum(total(c.streaming, k), 0)))],
      ['<b>total, full window</b>', ...ks.map((k) => n(total(c.fullWindow, k), fmtNum(total(c.fullWindow, k), 0)))],
      ['explain, after a push', ...ks.map((k) => n(c.explain[k], fmtNum(c.explain[k], 0)))],
    ]));
    const macS = total(c.streaming, 'macs'), macF = total(c.fullWindow, 'macs');
    const rows = [
      ['engine, streaming (this model)', n(macS), n(c.flopsPerMac * macS)],
      ['engine, full window (this model)', n(macF), n(c.flopsPerMac * macF)],
    ];
    if (c.onnx) {
      rows.push(['ONNX graph ONNX Runtime runs, streaming (both halves)', n(c.onnx.streamingFlops / c.flopsPerMac), n(c.onnx.streamingFlops)]);
      rows.push(['ONNX graph ONNX Runtime runs, full window', n(c.onnx.matmulFlops / c.flopsPerMac), n(c.onnx.fullWindowFlops)]);
    }
    parts.push(`<h3>Float FLOP equivalents</h3><p>Convention: ${n(c.flopsPerMac)} FLOPs per MAC (one multiply, one add). ONNX FLOPs are counted by walking the float graph with the shapes of a real run: MatMul/Gemm/Conv at 2 per MAC plus one per output element of elementwise, normalization and activation ops.</p>` +
      table(['model', 'MACs', 'FLOPs'], rows));
  }

  // Latency and throughput.
  parts.push('<h2 id="latency">Latency and throughput per runtime and CPU</h2>');
  const latRows: string[][] = [], latBars: Bar[] = [];
  for (const f of files) {
    for (const run of f.runs) {
      for (const r of run.results) {
        latRows.push([esc(label(f, run)), esc(r.name), esc(r.scope), n(r.medianNs / 1000, fmtNum(r.medianNs / 1000)), n(r.minNs / 1000, fmtNum(r.minNs / 1000)),
          n(r.madNs / 1000, fmtNum(r.madNs / 1000)), n(r.perSecond), n(r.iterations)]);
        if (!r.name.startsWith('stage:')) latBars.push({ label: `${run.runtime} ${run.build} ${r.name}`.slice(0, 52), value: r.medianNs / 1000 });
      }
    }
  }
  parts.push(barChart('chart-latency', 'Median time per item', latBars, 'µs', { log: true }));
  parts.push(table(['runtime · CPU', 'item', 'scope', 'median µs', 'min µs', 'MAD µs', 'per second', 'iterations'], latRows));

  // Efficiency vs the measured peak.
  const eff: Bar[] = [], effRows: string[][] = [];
  for (const f of files) {
    if (!f.peak) continue;
    for (const run of f.runs) {
      if (run.runtime.startsWith('onnxruntime')) continue;
      for (const r of run.results) {
        const ops = r.opsPerSecond ?? opsFromCounts(files, f, r);
        if (ops === null) continue;
        const pct = (100 * ops) / f.peak.macsPerSecond;
        eff.push({ label: `${run.runtime} ${run.build} ${r.name}`.slice(0, 52), value: pct });
        effRows.push([esc(label(f, run)), esc(r.name), n(ops / 1e9, fmtNum(ops / 1e9)), n(f.peak.macsPerSecond / 1e9, fmtNum(f.peak.macsPerSecond / 1e9)), n(pct, fmtNum(pct, 1))]);
      }
    }
  }
  if (eff.length) {
    parts.push('<h2 id="efficiency">Achieved GMAC/s against the measured peak</h2><p>Peak: the engine\'s own SIMD GEMV on a 1024 × 1024 int8 × int16 model, measured in the same run on the same machine (bench/gemv-peak.ts). Efficiency = achieved MACs per second / peak.</p>');
    parts.push(barChart('chart-efficiency', 'Efficiency (% of measured GEMV peak)', eff, '%', { max: 100 }));
    parts.push(table(['runtime · CPU', 'item', 'achieved GMAC/s', 'peak GMAC/s', 'efficiency %'], effRows));
  }

  // Instructions per packet.
  const ins = files.flatMap((f) => f.instructions ?? []);
  if (ins.length) {
    const pp = ins.filter((x) => x.item === 'push_packet' && !(x.arch === 'x86_64' && /qemu/.test(x.tool)));
    parts.push('<h2 id="instructions">Instructions per packet, by architecture</h2><p>Guest instructions of the wasm2c engine (pce-bench --count, N and 2N items, difference / N): valgrind callgrind on x86-64, qemu-user block counts elsewhere (bench/instructions.ts). Unlike time, this does not move with machine load.</p>');
    parts.push(barChart('chart-instructions', 'Instructions per packet (frame to decision)', pp.map((x) => ({ label: `${x.arch} ${x.build}`, value: x.perItem })), 'instr.'));
    parts.push(table(['arch', 'build', 'item', 'instructions', 'tool'], ins.map((x) => [esc(x.arch), esc(x.build), esc(x.item), n(x.perItem), esc(x.tool)])));
  }

  // Memory.
  const mem = files.filter((f) => f.memory);
  if (mem.length) {
    parts.push('<h2 id="memory">Memory</h2>');
    const mm = mem[0].memory!;
    parts.push(barChart('chart-memory', `Memory (${label(mem[0])})`, [
      { label: 'blob', value: mm.blobBytes / 1024 }, { label: 'arena (static data + blob + state)', value: mm.arenaBytes / 1024 },
      { label: 'linear memory', value: mm.linearMemoryBytes / 1024 }, { label: 'host peak RSS', value: mm.hostRssBytes / 1024 },
    ], 'KiB', { log: true }));
    parts.push(table(['runtime · CPU', 'tool', 'blob B', 'arena B', 'linear memory B', 'host RSS B'], mem.map((f) => [
      esc(label(f)), esc(f.tool), n(f.memory!.blobBytes), n(f.memory!.arenaBytes), n(f.memory!.linearMemoryBytes), n(f.memory!.hostRssBytes)])));
  }

  // Energy.
  if (opts.watts !== undefined) {
    const rows = files.flatMap((f) => f.runs.flatMap((run) => run.results.filter((r) => r.scope === 'end-to-end' || r.name === 'push').map((r) => {
      const uj = opts.watts! * r.medianNs / 1000; // W × µs = µJ
      return [esc(label(f, run)), esc(r.name), n(uj, fmtNum(uj, 3))];
    })));
    parts.push(`<h2 id="energy">Energy per decision — ESTIMATE</h2><p class="estimate">Estimate, not a measurement: the board power you gave (${n(opts.watts, fmtNum(opts.watts, 2))} W, --watts) times the median time per decision. It assumes the whole board power goes to this work.</p>` +
      table(['runtime · CPU', 'item', 'µJ per decision (estimate)'], rows));
  }

  // Comparison.
  const cmpRows: string[][] = [];
  for (const f of files) {
    const e = enginePush(f);
    if (!e || !f.ratios) continue;
    for (const [k, v] of Object.entries(f.ratios)) cmpRows.push([esc(label(f)), esc(k), n(v, fmtNum(v, 2))]);
  }
  parts.push('<h2 id="comparison">Comparison</h2>');
  if (cmpRows.length) {
    parts.push('<p>Measured in the same run as the engine (ratio = contender time / engine time, or the fraction named).</p>' + table(['machine', 'ratio', 'value'], cmpRows));
  }
  const engineParams = main.model.parameters, macs = main.counted ? Object.values(main.counted.streaming).reduce((a, s) => a + s.macs, 0) - main.counted.streaming.explain.macs : undefined;
  parts.push('<p>The paper\'s figures (PacketCLIP: Multi-Modal Embedding of Network Traffic and Language for Cybersecurity Reasoning, Masukawa et al.; ../shared/seeds), cited as stated there; its text gives ratios, not per-model values.</p>' +
    table(['model', 'parameters', 'FLOPs', 'source'], [
      ...PAPER_ROWS.map((r) => [esc(r.model), esc(r.parameters), esc(r.flops), esc(r.source)]),
      ['<b>this engine, shipped model</b>', engineParams !== undefined ? n(engineParams) : '–', macs !== undefined ? `${n(2 * macs)} per packet (2 per MAC), streaming` : '–', 'measured (counting build)'],
    ]));

  const machines = [...new Set(files.map((f) => `${f.tool}: ${f.machine.cpuModel}, ${f.machine.cores} cores${f.machine.clockMHz ? `, ${f.machine.clockMHz} MHz` : ''}, ${f.machine.uname}, ${f.date}`))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}td .n{font-variant-numeric:tabular-nums}svg text{font:12px system-ui,sans-serif}figure{margin:8px 0}.estimate{background:#fff3e0;border-left:4px solid #ef6c00;padding:6px 10px}</style>
</head><body>
<h1>${esc(title)}</h1>
<ul>${machines.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
${parts.join('\n')}
</body></html>
`;
}

export function renderEfficiencyMarkdown(files: BenchFile[], opts: ReportOptions = {}): string {
  const lines = [`# ${opts.title ?? 'packetclip-edge hardware efficiency'}`, ''];
  for (const f of files) lines.push(`- ${f.tool}: ${f.machine.cpuModel}, ${f.machine.cores} cores, ${f.machine.arch}, ${f.date}; model ${f.model.hash}, ${f.model.blobBytes} bytes`);
  const c = files.find((f) => f.counted)?.counted;
  if (c) {
    const ks = kinds(c.streaming);
    lines.push('', '## Operations per packet (counted, streaming)', '', `| stage | ${ks.join(' | ')} |`, `|---|${ks.map(() => '---:').join('|')}|`);
    for (const [s, row] of Object.entries(c.streaming)) lines.push(`| ${s} | ${ks.map((k) => fmtNum(row[k], Number.isInteger(row[k]) ? 0 : 1)).join(' | ')} |`);
  }
  lines.push('', '## Time per item', '', '| runtime | item | median µs | min µs | MAD µs |', '|---|---|---:|---:|---:|');
  for (const f of files) for (const run of f.runs) for (const r of run.results) {
    lines.push(`| ${run.runtime} ${run.build} (${f.machine.arch}) | ${r.name} | ${fmtNum(r.medianNs / 1000)} | ${fmtNum(r.minNs / 1000)} | ${fmtNum(r.madNs / 1000)} |`);
  }
  const ins = files.flatMap((f) => f.instructions ?? []);
  if (ins.length) {
    lines.push('', '## Instructions per item', '', '| arch | build | item | instructions | tool |', '|---|---|---|---:|---|');
    for (const x of ins) lines.push(`| ${x.arch} | ${x.build} | ${x.item} | ${fmtInt(x.perItem)} | ${x.tool} |`);
  }
  for (const f of files) {
    if (!f.ratios) continue;
    lines.push('', `## Ratios (${f.machine.cpuModel}, same run)`, '');
    for (const [k, v] of Object.entries(f.ratios)) lines.push(`- ${k}: ${fmtNum(v)}`);
    if (f.peak) lines.push(`- GEMV peak: ${fmtNum(f.peak.macsPerSecond / 1e9)} GMAC/s`);
  }
  if (opts.watts !== undefined) {
    lines.push('', `## Energy per decision (ESTIMATE: ${opts.watts} W × median time)`, '');
    for (const f of files) for (const run of f.runs) for (const r of run.results.filter((x) => x.scope === 'end-to-end' || x.name === 'push')) {
      lines.push(`- ${run.runtime} ${run.build} ${r.name}: ${fmtNum(opts.watts * r.medianNs / 1000, 3)} µJ (estimate)`);
    }
  }
  lines.push('', '## The paper\'s figures (cited; its text gives ratios only)', '', '| model | parameters | FLOPs | source |', '|---|---|---|---|');
  for (const r of PAPER_ROWS) lines.push(`| ${r.model} | ${r.parameters} | ${r.flops} | ${r.source} |`);
  return lines.join('\n') + '\n';
}
