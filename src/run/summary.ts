/**
 * What `packetclip run` says at the end (stderr, or one JSON object with --summary json): packets,
 * rate, packets per decided label, alerts per class, top sources by alerts. docs/run-format.md.
 */
import type { Alert } from '../alerts/index.js';

/** Sources listed by alerts. */
export const TOP_SOURCES = 5;

export class RunTally {
  packets = 0;
  decodeErrors = 0;
  readonly labels = new Map<string, number>();
  readonly alerts: Alert[] = [];
  private readonly t0 = Date.now();

  packet(label: string, status: number): void {
    this.packets++;
    if (status !== 0) this.decodeErrors++;
    this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
  }

  /** The summary as a plain object (the --summary json shape). */
  summary(stopped?: string): RunSummaryJson {
    const seconds = (Date.now() - this.t0) / 1000;
    const alertsPerClass: Record<string, number> = {};
    const sources = new Map<string, number>();
    for (const a of this.alerts) {
      alertsPerClass[a.className] = (alertsPerClass[a.className] ?? 0) + 1;
      sources.set(a.srcIp, (sources.get(a.srcIp) ?? 0) + 1);
    }
    return {
      packets: this.packets, seconds: Number(seconds.toFixed(3)),
      packets_per_second: seconds > 0 ? Math.round(this.packets / seconds) : 0,
      labels: Object.fromEntries(this.labels), decode_errors: this.decodeErrors,
      alerts: this.alerts.length, alerts_per_class: alertsPerClass,
      top_sources: [...sources].sort((a, b) => b[1] - a[1]).slice(0, TOP_SOURCES).map(([ip, alerts]) => ({ ip, alerts })),
      ...(stopped !== undefined ? { stopped } : {}),
    };
  }
}

export interface RunSummaryJson {
  packets: number;
  seconds: number;
  packets_per_second: number;
  labels: Record<string, number>;
  decode_errors: number;
  alerts: number;
  alerts_per_class: Record<string, number>;
  top_sources: { ip: string; alerts: number }[];
  stopped?: string;
}

const counts = (r: Record<string, number>): string => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ');

/** The summary as lines for a person. */
export function formatSummary(s: RunSummaryJson): string {
  const lines = [
    `${s.packets} packets in ${s.seconds.toFixed(1)} s (${s.packets_per_second} packets/s)${s.stopped ? `, stopped by ${s.stopped}` : ''}`,
    `  labels: ${counts(s.labels) || 'none'}${s.decode_errors ? ` (${s.decode_errors} with a decode error)` : ''}`,
    `  alerts: ${s.alerts}${s.alerts ? ` (${counts(s.alerts_per_class)})` : ''}`,
  ];
  if (s.top_sources.length > 0) lines.push(`  top sources by alerts: ${s.top_sources.map((t) => `${t.ip} (${t.alerts})`).join(', ')}`);
  return lines.join('\n');
}
