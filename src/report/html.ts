/**
 * `packetclip run --html report.html`: one self-contained HTML file (inline CSS and SVG, no script,
 * no network): a timeline of class probabilities (mean per second of capture time), the alerts
 * with their evidence, top talkers and packets per label. Browser-safe (the web page renders the
 * same report).
 */
import { eveTimestamp, formatBytes, type Alert, type PacketFacts } from '../alerts/index.js';

/** Talkers kept at most (by first appearance) and listed. */
export const MAX_TALKERS = 100_000;
export const TOP_TALKERS = 10;
/** Timeline points drawn at most (seconds are merged beyond it). */
export const MAX_POINTS = 600;
const COLOURS = ['#2e7d32', '#c62828', '#1565c0', '#ef6c00', '#6a1b9a', '#00838f'];

export class ReportCollector {
  private readonly seconds = new Map<number, { n: number; sums: number[] }>();
  private readonly talkers = new Map<string, { packets: number; bytes: number }>();
  readonly labels = new Map<string, number>();

  constructor(readonly classes: readonly string[]) {}

  packet(facts: PacketFacts, label: string, probs: ArrayLike<number>): void {
    const sec = Math.floor(facts.tsMicros / 1e6);
    let s = this.seconds.get(sec);
    if (s === undefined) this.seconds.set(sec, (s = { n: 0, sums: new Array<number>(this.classes.length).fill(0) }));
    s.n++;
    for (let c = 0; c < this.classes.length; c++) s.sums[c]! += probs[c]!;
    this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
    if (facts.srcAddr !== undefined) {
      const t = this.talkers.get(facts.srcAddr);
      if (t !== undefined) {
        t.packets++;
        t.bytes += facts.bytes;
      } else if (this.talkers.size < MAX_TALKERS) this.talkers.set(facts.srcAddr, { packets: 1, bytes: facts.bytes });
    }
  }

  /** Timeline points: [second, mean probability per class], merged into at most MAX_POINTS. */
  timeline(): { t: number; probs: number[] }[] {
    const secs = [...this.seconds.keys()].sort((a, b) => a - b);
    if (secs.length === 0) return [];
    const span = secs[secs.length - 1]! - secs[0]! + 1;
    const width = Math.max(1, Math.ceil(span / MAX_POINTS));
    const merged = new Map<number, { n: number; sums: number[] }>();
    for (const s of secs) {
      const key = secs[0]! + Math.floor((s - secs[0]!) / width) * width;
      const v = this.seconds.get(s)!;
      const m = merged.get(key);
      if (m === undefined) merged.set(key, { n: v.n, sums: [...v.sums] });
      else {
        m.n += v.n;
        v.sums.forEach((x, c) => (m.sums[c]! += x));
      }
    }
    return [...merged].map(([t, m]) => ({ t, probs: m.sums.map((x) => x / m.n) }));
  }

  topTalkers(): [string, { packets: number; bytes: number }][] {
    return [...this.talkers].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP_TALKERS);
  }
}

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function svgTimeline(points: { t: number; probs: number[] }[], classes: readonly string[], alerts: readonly Alert[]): string {
  const W = 960, H = 240, L = 40, B = 24;
  if (points.length === 0) return '<p>No packets.</p>';
  const t0 = points[0]!.t, t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const x = (t: number): number => L + ((t - t0) / (t1 - t0)) * (W - L - 10);
  const y = (p: number): number => 10 + (1 - p) * (H - B - 10);
  const bands = alerts.map((a) => `<rect x="${x(a.firstMicros / 1e6).toFixed(1)}" y="10" width="${Math.max(2, x(a.lastMicros / 1e6) - x(a.firstMicros / 1e6)).toFixed(1)}" height="${H - B - 10}" fill="#ffcdd2" opacity="0.6"><title>${esc(`#${a.episode} ${a.className}`)}</title></rect>`).join('');
  const lines = classes.map((c, k) => `<polyline fill="none" stroke="${COLOURS[k % COLOURS.length]}" stroke-width="1.5" points="${points.map((p) => `${x(p.t).toFixed(1)},${y(p.probs[k]!).toFixed(1)}`).join(' ')}"><title>${esc(c)}</title></polyline>`).join('');
  const axis = [0, 0.5, 1].map((p) => `<text x="4" y="${y(p) + 4}" font-size="11">${p}</text><line x1="${L}" x2="${W - 10}" y1="${y(p)}" y2="${y(p)}" stroke="#ddd"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(t0 + f * (t1 - t0)) - 20}" y="${H - 6}" font-size="11">+${Math.round(f * (t1 - t0))} s</text>`).join('');
  const legend = classes.map((c, k) => `<span class="key" style="border-color:${COLOURS[k % COLOURS.length]}">${esc(c)}</span>`).join(' ');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="class probabilities over time">${axis}${bands}${lines}${ticks}</svg><div>${legend} <span class="key" style="border-color:#ffcdd2">alert episode</span></div>`;
}

export interface ReportInput {
  readonly title: string;
  readonly collector: ReportCollector;
  readonly alerts: readonly Alert[];
  readonly packets: number;
}

export function renderReport(r: ReportInput): string {
  const { collector: c } = r;
  const alertRows = r.alerts.map((a) => `<tr><td>${a.episode}</td><td>${esc(a.className)}</td><td>${a.severity}</td><td>${esc(eveTimestamp(a.firstMicros))}</td><td>${((a.lastMicros - a.firstMicros) / 1e6).toFixed(1)} s</td><td>${esc(a.srcIp)} &rarr; ${esc(a.destIp)}</td><td>${a.packets}</td><td>${esc(a.evidence)}${a.concepts.length ? `<br><small>concepts: ${esc(a.concepts.map((k) => k.concept).join(', '))}</small>` : ''}</td></tr>`).join('');
  const talkers = c.topTalkers().map(([ip, t]) => `<tr><td>${esc(ip)}</td><td>${t.packets}</td><td>${formatBytes(t.bytes)}</td></tr>`).join('');
  const labels = [...c.labels].sort((a, b) => b[1] - a[1]).map(([l, n]) => `<tr><td>${esc(l)}</td><td>${n}</td><td>${((100 * n) / Math.max(1, r.packets)).toFixed(1)}%</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}.key{border-left:14px solid;padding-left:4px;margin-right:10px}</style>
</head><body>
<h1>${esc(r.title)}</h1>
<p>${r.packets} packets, ${r.alerts.length} alert episode${r.alerts.length === 1 ? '' : 's'}.</p>
<h2>Class probabilities over time</h2>
${svgTimeline(c.timeline(), c.classes, r.alerts)}
<h2>Alerts</h2>
${r.alerts.length ? `<table><tr><th>#</th><th>class</th><th>severity</th><th>first</th><th>duration</th><th>source &rarr; destination</th><th>packets</th><th>evidence</th></tr>${alertRows}</table>` : '<p>No alerts.</p>'}
<h2>Top talkers (by bytes sent)</h2>
<table><tr><th>source</th><th>packets</th><th>bytes</th></tr>${talkers}</table>
<h2>Packets per label</h2>
<table><tr><th>label</th><th>packets</th><th>share</th></tr>${labels}</table>
</body></html>
`;
}
