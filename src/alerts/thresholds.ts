/**
 * Alert thresholds and episode parameters (docs/alerts-format.md, "Thresholds file", version 1):
 * a small text file `packetclip calibrate` writes and `run --config` reads, made to be parsed by
 * the C host too: integers only (probabilities as the engine's Q15), one `key<TAB>value` per line.
 */
export const THRESHOLDS_MAGIC = '#packetclip-thresholds';
export const THRESHOLDS_VERSION = 1;
/** Q15 one: a probability p is the integer round(p * Q15_ONE) the engine computes. */
export const Q15_ONE = 32768;
/** The class that never alerts. */
export const BENIGN_CLASS = 'Benign';

/** Thresholds and episode rule; all integers. */
export interface Thresholds {
  /** Per attack class: a packet counts for the class when its Q15 probability is >= this (1..32768). */
  readonly classQ15: ReadonlyMap<string, number>;
  /** An episode opens when k of the last n packets of a host count (1 <= k <= n <= MAX_WINDOW). */
  readonly k: number;
  readonly n: number;
  /** An open episode closes when no packet counted for this long, in capture µs. */
  readonly quietMicros: number;
}

export const MAX_WINDOW = 1024;

/**
 * Built-in episode rule and thresholds, used when neither --config nor the shipped
 * models/packetclip-edge.thresholds exists. Chosen for the issue-5 model on the lab training captures
 * (data/train/seed1, seed2); the shipped file is chosen per model: docs/alerts-format.md, "How the
 * defaults were chosen".
 */
export const DEFAULT_EPISODE = { k: 32, n: 64, quietMicros: 5_000_000 } as const;
export const DEFAULT_CLASS_Q15 = Math.round(0.8 * Q15_ONE); // 26214

/** Defaults for a model's classes: every class but Benign at DEFAULT_CLASS_Q15. */
export function defaultThresholds(classes: readonly string[]): Thresholds {
  return { classQ15: new Map(classes.filter((c) => c !== BENIGN_CLASS).map((c) => [c, DEFAULT_CLASS_Q15])), ...DEFAULT_EPISODE };
}

/** The file text, with a comment line per class giving the threshold as a probability. */
export function formatThresholds(t: Thresholds, comments: readonly string[] = []): string {
  const lines = [`${THRESHOLDS_MAGIC}\tversion=${THRESHOLDS_VERSION}`, ...comments.map((c) => `# ${c}`)];
  for (const [c, q] of t.classQ15) lines.push(`threshold.${c}\t${q}`);
  lines.push(`episode.k\t${t.k}`, `episode.n\t${t.n}`, `episode.quiet_us\t${t.quietMicros}`);
  return lines.join('\n') + '\n';
}

function integerIn(v: string, min: number, max: number, where: string): number {
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`${where}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Parses a thresholds file; `where` (its path) starts every error message. Unknown keys and
 * duplicate keys are errors; `# ...` lines and empty lines are ignored. Missing episode keys take
 * DEFAULT_EPISODE; checkClasses() says whether the classes fit a model.
 */
export function parseThresholds(text: string, where: string): Thresholds {
  const lines = text.split('\n');
  const head = lines[0]!.replace(/\r$/, '').split('\t');
  if (head[0] !== THRESHOLDS_MAGIC) throw new Error(`${where}: not a thresholds file (first line must start with ${THRESHOLDS_MAGIC})`);
  const version = head.find((f) => f.startsWith('version='))?.slice('version='.length);
  if (version !== String(THRESHOLDS_VERSION)) throw new Error(`${where}: thresholds version ${version ?? '(none)'} is not supported (this build reads ${THRESHOLDS_VERSION})`);
  const seen = new Set<string>();
  const classQ15 = new Map<string, number>();
  const episode: { k: number; n: number; quietMicros: number } = { ...DEFAULT_EPISODE };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const at = `${where}: line ${i + 1}`;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`${at}: expected key<TAB>value, got ${JSON.stringify(line)}`);
    const key = line.slice(0, tab), value = line.slice(tab + 1);
    if (seen.has(key)) throw new Error(`${at}: duplicate key ${key}`);
    seen.add(key);
    if (key.startsWith('threshold.')) classQ15.set(key.slice('threshold.'.length), integerIn(value, 1, Q15_ONE, `${at} (${key})`));
    else if (key === 'episode.k') episode.k = integerIn(value, 1, MAX_WINDOW, `${at} (${key})`);
    else if (key === 'episode.n') episode.n = integerIn(value, 1, MAX_WINDOW, `${at} (${key})`);
    else if (key === 'episode.quiet_us') episode.quietMicros = integerIn(value, 1, 86_400_000_000, `${at} (${key})`);
    else throw new Error(`${at}: unknown key ${key}`);
  }
  if (episode.k > episode.n) throw new Error(`${where}: episode.k (${episode.k}) is larger than episode.n (${episode.n})`);
  return { classQ15, ...episode };
}

/** Throws unless `t` has a threshold for every attack class of the model and none for another name. */
export function checkClasses(t: Thresholds, classes: readonly string[], where: string): void {
  for (const c of t.classQ15.keys()) {
    if (!classes.includes(c) || c === BENIGN_CLASS) throw new Error(`${where}: threshold for ${JSON.stringify(c)}, which is not an attack class of the model (${classes.join(', ')})`);
  }
  const missing = classes.filter((c) => c !== BENIGN_CLASS && !t.classQ15.has(c));
  if (missing.length > 0) throw new Error(`${where}: no threshold for ${missing.map((c) => JSON.stringify(c)).join(', ')}`);
}
