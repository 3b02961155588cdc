/**
 * Chooses the default episode rule on the lab VALIDATION captures (the evaluation protocol,
 * docs/training.md: thresholds are a choice, made on validation only): classifies each once, then
 * replays the verdicts through EpisodeTracker for every (threshold, k, n, quiet) in a grid and
 * scores the alerts against the attack runs (lab-match.ts).
 *
 *   node dist/tools/alerts/sweep.js data/validation/lab2-seed21 data/validation/lab2-seed22
 */
import { alertOf, EpisodeTracker, PacketLocator, Q15_ONE, type Alert, type Thresholds, type Verdict } from '../../src/alerts/index.js';
import { loadEngine } from '../../src/engine.js';
import { readCaptureFile } from '../../src/pcap/index.js';
import { chooseModel } from '../../src/run/default-model.js';
import { matchAlerts, scoreMatch } from './lab-match.js';
import { join } from 'node:path';

export async function labVerdicts(folder: string): Promise<{ verdicts: Verdict[]; classes: readonly string[] }> {
  const engine = await loadEngine(chooseModel().blob);
  const locator = new PacketLocator();
  const verdicts: Verdict[] = [];
  for await (const p of readCaptureFile(join(folder, 'capture.pcap'))) {
    const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
    verdicts.push({ facts: locator.facts(p, engine.packetMeta()), probs: r.probs, status: engine.packetStatus() });
  }
  return { verdicts, classes: engine.info.classes };
}

export function replay(verdicts: readonly Verdict[], classes: readonly string[], t: Thresholds): Alert[] {
  const alerts: Alert[] = [];
  const tracker = new EpisodeTracker(classes, t, (e) => alerts.push(alertOf(e, classes)));
  for (const v of verdicts) tracker.push(v);
  tracker.flush();
  return alerts;
}

async function main(folders: string[]): Promise<void> {
  const data = await Promise.all(folders.map(async (f) => ({ folder: f, ...(await labVerdicts(f)) })));
  const rows: string[] = [];
  for (const thr of [0.6, 0.7, 0.8, 0.9]) {
    for (const [k, n] of [[4, 8], [6, 8], [8, 16], [12, 16], [16, 32], [24, 32], [32, 64], [48, 64]]) {
      for (const quiet of [3, 5, 7, 10]) {
        let exact = 0, missed = 0, extra = 0, unmatched = 0, benign = 0;
        for (const d of data) {
          const t: Thresholds = { classQ15: new Map(d.classes.filter((c) => c !== 'Benign').map((c) => [c, Math.round(thr * Q15_ONE)])), k: k!, n: n!, quietMicros: quiet * 1e6 };
          const s = scoreMatch(matchAlerts(replay(d.verdicts, d.classes, t), d.folder));
          exact += s.exact; missed += s.missed; extra += s.extra; unmatched += s.unmatched; benign += s.benign;
        }
        const cost = 2 * missed + extra + 2 * unmatched + 2 * benign;
        rows.push(`${cost}\tthr=${thr}\tk=${k}\tn=${n}\tquiet=${quiet}s\texact=${exact}\tmissed=${missed}\textra=${extra}\tunmatched=${unmatched}\tbenign-host=${benign}`);
      }
    }
  }
  rows.sort((a, b) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]));
  console.log(`cost = 2*missed + extra + 2*unmatched + 2*benign-host, summed over ${folders.join(', ')}`);
  console.log(rows.slice(0, 25).join('\n'));
}

if (process.argv[1]?.endsWith('sweep.js')) await main(process.argv.slice(2));
