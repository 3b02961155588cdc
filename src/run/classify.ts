/**
 * One packet through `packetclip run`: the engine's verdict and packet metadata, the tally, the
 * episode tracker, and the lines it gives (a jsonl line per packet, eve lines as episodes close).
 * The one body of every run loop: the CLI and the library (session.ts, over a file or stdin) and
 * the browser page (web/, over dropped bytes) drive it. Browser-safe: no node: imports.
 */
import { alertOf, EpisodeTracker, formatEveAlert, PacketLocator, type Alert, type PacketFacts, type Thresholds } from '../alerts/index.js';
import type { Engine } from '../engine.js';
import { packetStatusText } from '../features/packet-status.js';
import type { Packet } from '../pcap/packet.js';
import { ConceptExplainer } from './explain.js';
import { DecisionWriter, formatCaptureError } from './jsonl.js';
import { RunTally } from './summary.js';

/** The label the tally gives a packet that did not decode fully (docs/run-format.md, `decoded`). */
export const UNDECODABLE = 'Undecodable';

export interface ClassifierOptions {
  /** 'jsonl': a line per packet; 'eve': an alert line per closed episode; 'none': no lines (tally and alerts only). */
  readonly format: 'jsonl' | 'eve' | 'none';
  readonly thresholds: Thresholds;
  /** Concepts on non-Benign jsonl lines and in alerts (default false). */
  readonly explain?: boolean;
  /** Name for eve's pcap_filename; undefined for stdin. */
  readonly captureName?: string;
}

/** What one packet gave. */
export interface Classified {
  readonly facts: PacketFacts;
  readonly label: string;
  readonly probs: Float32Array;
  /** Engine decode status (0 = decoded). */
  readonly status: number;
}

export class PacketClassifier {
  readonly tally = new RunTally();
  readonly classes: readonly string[];
  private readonly decisions: DecisionWriter;
  private readonly explainer?: ConceptExplainer;
  private readonly tracker: EpisodeTracker;
  private readonly locator = new PacketLocator();

  /** `emit` receives every output line (no newline), in order. */
  constructor(private readonly engine: Engine, private readonly opts: ClassifierOptions, private readonly emit: (line: string) => void) {
    this.classes = engine.info.classes;
    this.decisions = new DecisionWriter(this.classes);
    this.explainer = opts.explain ? new ConceptExplainer(engine) : undefined;
    this.tracker = new EpisodeTracker(this.classes, opts.thresholds, (e) => {
      const a: Alert = alertOf(e, this.classes);
      this.tally.alerts.push(a);
      if (opts.format === 'eve') emit(formatEveAlert(a, this.classes, opts.captureName));
    });
  }

  /** Classifies `p` (capture order), emits its lines; throws only on an engine fault. */
  push(p: Packet): Classified {
    const { engine, explainer, classes } = this;
    const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
    const status = engine.packetStatus();
    const meta = engine.packetMeta();
    this.tally.packet(status !== 0 ? UNDECODABLE : r.label, status);
    const facts = this.locator.facts(p, meta);
    this.tracker.push({ facts, probs: r.probs, status }, explainer && ((c) => explainer.explain(classes[c]!)));
    if (this.opts.format === 'jsonl') {
      this.emit(this.decisions.format({
        i: p.index, tsMicros: p.tsMicros, meta, label: r.label, probs: r.probs,
        status, error: status !== 0 ? packetStatusText(status) : undefined, concepts: explainer?.explain(r.label),
      }));
    }
    return { facts, label: r.label, probs: r.probs, status };
  }

  /** Closes the episodes quiet at capture time `nowMicros` (a live feed's clock), emitting their alerts. */
  closeQuiet(nowMicros: number): void {
    this.tracker.closeQuiet(nowMicros);
  }

  /** End of input (or a stop): closes every open episode. */
  finish(): void {
    this.tracker.flush();
  }

  /** A fault ended the input: closes the episodes, then the error line (docs/run-format.md). */
  fault(message: string, offset: number | undefined): void {
    this.finish();
    if (this.opts.format !== 'none') this.emit(formatCaptureError(message, offset, this.tally.packets));
  }
}
