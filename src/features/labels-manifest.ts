/**
 * Reader and writer of the lab's label manifest (docs/labels-format.md,
 * version 1; written by tools/lab/label.py). Every deviation from the spec
 * is an error naming the file and line.
 */

export const LABELS_MAGIC = '#packetclip-labels';
export const LABELS_VERSION = 1;
export const LABELS_COLUMNS = ['index', 'fine', 'coarse', 'scenario', 'role', 'run'] as const;

/** Fine class -> coarse class (docs/labels-format.md, "Columns"). */
export const FINE_TO_COARSE: ReadonlyMap<string, string> = new Map([
  ['Benign', 'Benign'],
  ['OS Scan', 'Reconnaissance'],
  ['Vulnerability Scan', 'Reconnaissance'],
  ['Port Scan', 'Reconnaissance'],
  ['ICMP Flood', 'DoS'],
  ['SYN Flood', 'DoS'],
  ['UDP Flood', 'DoS'],
  ['Slowloris', 'DoS'],
  ['DNS Flood', 'DoS'],
  ['Dictionary Attack', 'Brute Force'],
]);

export const ROLES: ReadonlySet<string> = new Set(['attacker', 'victim', 'benign']);

export interface LabelRow {
  readonly fine: string;
  readonly coarse: string;
  readonly scenario: string;
  readonly role: string;
  readonly run: number;
}

export interface LabelsManifest {
  /** Version-line keys, in file order (version, capture, packets, and any later ones). */
  readonly meta: ReadonlyMap<string, string>;
  /** Row i labels packet i. */
  readonly rows: readonly LabelRow[];
}

/** Parses a manifest; `name` is used in error messages. */
export function parseLabelsManifest(text: string, name: string): LabelsManifest {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, what: string): never => {
    throw new Error(`labels manifest ${name}, line ${line}: ${what}`);
  };
  if (lines.length === 0) fail(1, 'empty file');
  const head = lines[0]!.split('\t');
  if (head[0] !== LABELS_MAGIC) fail(1, `expected the version line to start with "${LABELS_MAGIC}", found ${JSON.stringify(head[0]!.slice(0, 40))}`);
  const meta = new Map<string, string>();
  for (const kv of head.slice(1)) {
    const eq = kv.indexOf('=');
    if (eq <= 0) fail(1, `field ${JSON.stringify(kv)} is not key=value`);
    meta.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const key of ['version', 'capture', 'packets']) if (!meta.has(key)) fail(1, `required key "${key}" missing`);
  if (meta.get('version') !== String(LABELS_VERSION)) fail(1, `version ${meta.get('version')}, this reader implements version ${LABELS_VERSION}`);
  const declared = integer(meta.get('packets')!);
  if (declared === null) fail(1, `packets=${meta.get('packets')} is not a non-negative integer`);
  if (lines.length < 2 || lines[1] !== LABELS_COLUMNS.join('\t')) fail(2, `expected the column header "${LABELS_COLUMNS.join('\\t')}"`);
  const rows: LabelRow[] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = i + 1;
    const f = lines[i]!.split('\t');
    if (f.length !== LABELS_COLUMNS.length) fail(line, `${f.length} fields, expected ${LABELS_COLUMNS.length}`);
    const [index, fine, coarse, scenario, role, run] = f as [string, string, string, string, string, string];
    if (integer(index) !== rows.length) fail(line, `index ${JSON.stringify(index)}, expected ${rows.length} (rows must cover 0..N-1 in order)`);
    const want = FINE_TO_COARSE.get(fine);
    if (want === undefined) fail(line, `unknown fine class ${JSON.stringify(fine)}`);
    if (coarse !== want) fail(line, `coarse class ${JSON.stringify(coarse)} does not match fine class ${JSON.stringify(fine)} (expected ${JSON.stringify(want)})`);
    if (scenario === '') fail(line, 'empty scenario');
    if (!ROLES.has(role)) fail(line, `role ${JSON.stringify(role)} is not attacker, victim or benign`);
    const r = integer(run);
    if (r === null) fail(line, `run ${JSON.stringify(run)} is not a non-negative integer`);
    rows.push({ fine, coarse, scenario, role, run: r! });
  }
  if (rows.length !== declared) fail(1, `packets=${declared} but the file has ${rows.length} rows`);
  return { meta, rows };
}

/** Throws unless the manifest labels exactly `packets` packets. */
export function checkLabelsCover(m: LabelsManifest, name: string, packets: number, capture: string): void {
  if (m.rows.length !== packets) {
    throw new Error(`labels manifest ${name} labels ${m.rows.length} packets, but ${capture} has ${packets}: they do not belong together`);
  }
}

/** A manifest in the spec's text form (version line keys in the order given). */
export function formatLabelsManifest(meta: ReadonlyMap<string, string>, rows: readonly LabelRow[]): string {
  const out = [[LABELS_MAGIC, ...[...meta].map(([k, v]) => `${k}=${v}`)].join('\t'), LABELS_COLUMNS.join('\t')];
  rows.forEach((r, i) => out.push(`${i}\t${r.fine}\t${r.coarse}\t${r.scenario}\t${r.role}\t${r.run}`));
  return out.join('\n') + '\n';
}

function integer(s: string): number | null {
  return /^(0|[1-9][0-9]*)$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null;
}
