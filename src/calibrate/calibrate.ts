/**
 * `packetclip calibrate benign.pcap`: per attack class, the threshold that at most a fraction
 * `rate` of the user's benign packets reach (the (1 - rate) quantile of the class's Q15
 * probability, plus one), never below `floor`; then replays the capture through the episode
 * tracker with them and says how many alerts the benign traffic still raises.
 * docs/alerts-format.md, "Thresholds file".
 */
import { alertOf, DEFAULT_EPISODE, EpisodeTracker, PacketLocator, Q15_ONE, type Alert, type Thresholds, type Verdict } from '../alerts/index.js';
import { loadEngine } from '../engine.js';
import { readCaptureFile, readCaptureStream } from '../pcap/index.js';
import { chooseModel } from '../run/default-model.js';

/** Default share of benign packets allowed to count for a class. */
export const DEFAULT_RATE = 0.001;
/** Thresholds never go below this probability (Q15): below it a class is not the model's pick. */
export const DEFAULT_FLOOR_Q15 = Q15_ONE / 2;

export interface CalibrateOptions {
  readonly model?: string;
  readonly rate?: number;
  readonly floorQ15?: number;
}

export interface Calibration {
  readonly thresholds: Thresholds;
  readonly packets: number;
  /** Alerts the benign capture raises with the chosen thresholds (should be 0). */
  readonly alerts: readonly Alert[];
  readonly comments: string[];
}

export async function calibrate(input: string, opts: CalibrateOptions = {}): Promise<Calibration> {
  const rate = opts.rate ?? DEFAULT_RATE;
  if (!(rate > 0 && rate < 1)) throw new Error(`--rate must be a fraction between 0 and 1, got ${rate}`);
  const floor = opts.floorQ15 ?? DEFAULT_FLOOR_Q15;
  const engine = await loadEngine(chooseModel(opts.model).blob);
  const classes = engine.info.classes;
  const attack = classes.map((c, i) => [c, i] as const).filter(([c]) => c !== 'Benign');
  const q15 = attack.map(() => [] as number[]);
  const verdicts: Verdict[] = [];
  const locator = new PacketLocator();
  for await (const p of input === '-' ? readCaptureStream(process.stdin) : readCaptureFile(input)) {
    const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
    const status = engine.packetStatus();
    verdicts.push({ facts: locator.facts(p, engine.packetMeta()), probs: r.probs, status });
    if (status === 0) attack.forEach(([, i], k) => q15[k]!.push(Math.round(r.probs[i]! * Q15_ONE)));
  }
  if (verdicts.length === 0) throw new Error(`${input}: no packets to calibrate on`);
  const classQ15 = new Map<string, number>();
  attack.forEach(([c], k) => {
    const v = q15[k]!.sort((a, b) => a - b);
    const quantile = v.length ? v[Math.min(v.length - 1, Math.floor((1 - rate) * v.length))]! + 1 : floor;
    classQ15.set(c, Math.min(Q15_ONE, Math.max(floor, quantile)));
  });
  const thresholds: Thresholds = { classQ15, ...DEFAULT_EPISODE };
  const alerts: Alert[] = [];
  const tracker = new EpisodeTracker(classes, thresholds, (e) => alerts.push(alertOf(e, classes)));
  for (const v of verdicts) tracker.push(v);
  tracker.flush();
  const comments = [
    `calibrated by packetclip calibrate on ${input}: ${verdicts.length} packets, target rate ${rate} of benign packets per class, floor ${floor}`,
    ...[...classQ15].map(([c, q]) => `${c}: ${(q / Q15_ONE).toFixed(4)}`),
    `alerts on the calibration capture with these thresholds: ${alerts.length}`,
  ];
  return { thresholds, packets: verdicts.length, alerts, comments };
}
