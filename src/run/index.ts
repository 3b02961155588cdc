/**
 * `packetclip run`: per-packet classification of a capture as JSON lines.
 * Format: docs/run-format.md.
 */
export { chooseModel, SHIPPED_MODEL_PATH, type ModelChoice } from './default-model.js';
export { BENIGN, ConceptExplainer, EXPLAIN_TOP, type ConceptDelta } from './explain.js';
export { DecisionWriter, formatCaptureError, formatSeconds, RUN_FORMAT_VERSION, type DecisionLine } from './jsonl.js';
export { runCapture, type RunOptions, type RunSummary } from './run-capture.js';
