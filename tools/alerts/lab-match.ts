/**
 * Alerts against a lab capture's attack runs (data/<split>/<seed>/attacks.tsv, plan/hosts.tsv;
 * docs/lab.md): which alerts belong to which run, which to none, and which touch a host that is
 * never an attacker nor a target ("benign-only"). Developer tool: it chooses and reports the
 * default episode parameters (docs/alerts-format.md, "How the defaults were chosen").
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/index.js';

export interface LabRun {
  readonly id: number;
  readonly scenario: string;
  readonly coarse: string;
  readonly startMicros: number;
  readonly endMicros: number;
  /** Attacker and target addresses; empty targets = the whole subnet. */
  readonly hosts: ReadonlySet<string>;
  readonly anyTarget: boolean;
}

export interface LabMatch {
  /** Per run: the alerts matched to it. */
  readonly perRun: Map<number, Alert[]>;
  /** Alerts no run explains. */
  readonly unmatched: Alert[];
  /** Alerts whose host, source or destination is a benign-only host. */
  readonly onBenignHosts: Alert[];
  readonly runs: readonly LabRun[];
  readonly benignHosts: ReadonlySet<string>;
}

function tsv(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

/** Lab v2: the victim of each reflection run, by run id, from plan/schedule.tsv (`victim=` in its params). */
function reflectionVictims(folder: string): Map<string, string[]> {
  const schedule = join(folder, 'plan', 'schedule.tsv');
  if (!existsSync(schedule)) return new Map();
  return new Map(tsv(schedule).flatMap((r) => {
    const victim = /(?:^| )victim=(\S+)/.exec(r.params ?? '')?.[1];
    return victim ? [[r.id!, [victim]] as [string, string[]]] : [];
  }));
}

export function readLabRuns(folder: string): { runs: LabRun[]; benignHosts: Set<string> } {
  const ip = new Map(tsv(join(folder, 'plan', 'hosts.tsv')).map((h) => [h.name!, h.ip!]));
  const involved = new Set<string>();
  const victims = reflectionVictims(folder);
  const runs = tsv(join(folder, 'attacks.tsv')).map((r) => {
    // Lab v2 runs may name several targets ("hub,plc,s4") or a range no host stands for ("subnet");
    // a reflection run's target is the reflector, and its victim is a host too.
    const targets = r.target!.split(',');
    const names = [...r.attackers!.split(','), ...targets, ...(victims.get(r.id!) ?? [])];
    names.forEach((n) => involved.add(n));
    return {
      id: Number(r.id), scenario: r.scenario!, coarse: r.coarse!,
      startMicros: Math.round(Number(r.start) * 1e6), endMicros: Math.round(Number(r.end) * 1e6),
      hosts: new Set(names.map((n) => ip.get(n)).filter((a): a is string => a !== undefined)),
      anyTarget: targets.some((t) => !ip.has(t)),
    };
  });
  const benignHosts = new Set([...ip].filter(([n]) => !involved.has(n)).map(([, a]) => a));
  return { runs, benignHosts };
}

/** Slack around a run's [start, end] in which an alert still belongs to it (tool start-up, last replies). */
const SLACK_MICROS = 2_000_000;

export function matchAlerts(alerts: readonly Alert[], folder: string): LabMatch {
  const { runs, benignHosts } = readLabRuns(folder);
  const perRun = new Map<number, Alert[]>(runs.map((r) => [r.id, []]));
  const unmatched: Alert[] = [];
  for (const a of alerts) {
    const run = runs.find((r) => a.firstMicros <= r.endMicros + SLACK_MICROS && a.lastMicros >= r.startMicros - SLACK_MICROS
      && (r.hosts.has(a.host) || r.anyTarget));
    if (run) perRun.get(run.id)!.push(a);
    else unmatched.push(a);
  }
  const onBenignHosts = alerts.filter((a) => [a.host, a.srcIp, a.destIp].some((h) => benignHosts.has(h)));
  return { perRun, unmatched, onBenignHosts, runs, benignHosts };
}

/** Runs with exactly one alert, with none, extra alerts beyond one per run, unmatched alerts. */
export function scoreMatch(m: LabMatch): { exact: number; missed: number; extra: number; unmatched: number; benign: number } {
  let exact = 0, missed = 0, extra = 0;
  for (const list of m.perRun.values()) {
    if (list.length === 0) missed++;
    else {
      if (list.length === 1) exact++;
      extra += list.length - 1;
    }
  }
  return { exact, missed, extra, unmatched: m.unmatched.length, benign: m.onBenignHosts.length };
}
