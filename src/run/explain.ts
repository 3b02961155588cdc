/**
 * `run --explain` (docs/run-format.md, "Explanations"): for a decision that
 * is not Benign, the (at most) three concepts of the predicted class's mission
 * whose activation rose most above a baseline, the activations of an all-zero
 * feature vector; concepts at or below the baseline are not listed. A description of what the GNN computed, not a causal
 * attribution.
 */
import type { Engine } from '../engine.js';

/** Concepts listed per explained decision. */
export const EXPLAIN_TOP = 3;
/** The class left unexplained. */
export const BENIGN = 'Benign';

export interface ConceptDelta {
  readonly mission: string;
  readonly concept: string;
  /** Activation minus baseline, in reals (frame_scale units). */
  readonly delta: number;
}

interface Slot {
  readonly mission: string;
  readonly concept: string;
  readonly at: number; // index in conceptActivations()
}

export class ConceptExplainer {
  private readonly slots: Slot[] = [];
  private readonly baseline: Float32Array;

  /** Takes the baseline by pushing one all-zero packet, then resets the engine (window and feature state). */
  constructor(private readonly engine: Engine) {
    for (const m of engine.info.concepts) for (const c of m.concepts) this.slots.push({ mission: m.name, concept: c, at: this.slots.length });
    engine.reset();
    engine.pushQuantized(new Int16Array(engine.info.dims.P));
    this.baseline = engine.conceptActivations();
    engine.reset();
  }

  /** Top concepts for the decision of the last push, or undefined for a Benign decision. */
  explain(label: string): ConceptDelta[] | undefined {
    if (label === BENIGN) return undefined;
    const acts = this.engine.conceptActivations();
    const own = this.slots.filter((s) => s.mission === label);
    const pool = own.length > 0 ? own : this.slots; // no mission named after the class: every concept competes
    return pool
      .map((s) => ({ mission: s.mission, concept: s.concept, delta: acts[s.at]! - this.baseline[s.at]! }))
      .filter((c) => c.delta > 0) // only concepts above the baseline "fired"
      .sort((a, b) => b.delta - a.delta)
      .slice(0, EXPLAIN_TOP);
  }
}
