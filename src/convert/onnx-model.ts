/**
 * Reads a PacketCLIP-Edge ONNX file and checks it against the export contract
 * (docs/onnx-contract.md). Everything downstream (float reference,
 * quantizer) works on the `ContractModel` this returns, never on protobuf.
 * Every violation is a ContractError naming the tensor, shape, op or
 * metadata key at fault.
 */
import onnxProto from 'onnx-proto';
import { ContractError } from './contract-error.js';
import { layerAdjacency, parseMissions, type Mission } from './kg.js';
import { checkBlobLimits } from './limits.js';

const { onnx } = onnxProto;

/** The contract version this converter implements; it also reads every version from OLDEST_CONTRACT_VERSION up. */
export const CONTRACT_VERSION = 2;
export const OLDEST_CONTRACT_VERSION = 1;

export { ContractError };

export interface Matrix { rows: number; cols: number; data: Float64Array; }

export interface ModelDims {
  P: number; hidden: number[]; E: number; H: number; L: number; M: number; A: number;
  D: number; heads: number; FF: number; C: number;
}

export interface ContractModel {
  dims: ModelDims;
  featureVersion: number;
  /** pce.window_sources (contract version 2; 0 for version 1): 0 = one window for the stream, else per source address. */
  windowSources: number;
  classes: string[];
  missions: Mission[];
  /** Encoder layers (Linear + ReLU, the last one the linear SSL head). */
  proj: { w: Matrix; b: Float64Array }[];
  gnn: {
    concepts: Matrix;
    lins: { w: Matrix; b: Float64Array }[];
    bns: { gamma: Float64Array; beta: Float64Array; mean: Float64Array; variance: Float64Array; eps: number }[];
  }[];
  temporal: {
    q: Linear; k: Linear; v: Linear; o: Linear; ff1: Linear; ff2: Linear; head: Linear;
    norm1: Norm; norm2: Norm;
  };
}
export interface Linear { w: Matrix; b: Float64Array; }
export interface Norm { gamma: Float64Array; beta: Float64Array; eps: number; }

/** Op types the reference exporter emits; anything else is not our model. */
const ALLOWED_OPS = new Set([
  'Add', 'BatchNormalization', 'Cast', 'Concat', 'Constant', 'ConstantOfShape', 'Div', 'Elu', 'Equal',
  'Expand', 'Gather', 'Gemm', 'Identity', 'LayerNormalization', 'MatMul', 'Mul', 'ReduceSum', 'Relu',
  'Reshape', 'Shape', 'Slice', 'Softmax', 'Sqrt', 'Squeeze', 'Sub', 'Transpose', 'Unsqueeze', 'Where',
]);

function fail(msg: string): never {
  throw new ContractError(msg);
}

function tensorValues(t: onnxProto.onnx.ITensorProto): { dims: number[]; data: Float64Array } {
  const dims = (t.dims ?? []).map((d) => Number(d));
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) fail(`initializer ${t.name}: data type ${t.dataType}, expected FLOAT (1)`);
  let data: Float64Array;
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== 4 * n) fail(`initializer ${t.name}: ${t.rawData.length} raw bytes for shape [${dims}]`);
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    data = Float64Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
  } else {
    const f = t.floatData ?? [];
    if (f.length !== n) fail(`initializer ${t.name}: ${f.length} values for shape [${dims}]`);
    data = Float64Array.from(f);
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) fail(`initializer ${t.name}: element ${i} is not finite`);
  return { dims, data };
}

function metaJson(meta: Map<string, string>, key: string): unknown {
  const v = meta.get(key);
  if (v === undefined) fail(`metadata_props lacks required key ${key}`);
  try {
    return JSON.parse(v);
  } catch {
    fail(`metadata_props ${key} is not valid JSON: ${v.slice(0, 60)}`);
  }
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export function loadContractModel(bytes: Uint8Array): ContractModel {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    fail(`not an ONNX model (protobuf decode failed: ${(e as Error).message})`);
  }
  const graph = model.graph ?? fail('ONNX model has no graph');
  const meta = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const version = Number(meta.get('pce.contract_version'));
  if (!meta.has('pce.contract_version')) fail('metadata_props lacks required key pce.contract_version');
  if (!(Number.isInteger(version) && version >= OLDEST_CONTRACT_VERSION && version <= CONTRACT_VERSION)) {
    fail(`pce.contract_version is ${meta.get('pce.contract_version')}, this converter implements versions ${OLDEST_CONTRACT_VERSION}..${CONTRACT_VERSION}`);
  }
  const windowSources = windowSourcesOf(meta, version);

  for (const node of graph.node ?? []) {
    if (!ALLOWED_OPS.has(node.opType ?? '')) fail(`unsupported op ${node.opType} (node ${node.name || '?'}): the contract's graph uses only ${[...ALLOWED_OPS].join(', ')}`);
  }

  const classes = metaJson(meta, 'pce.classes');
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string' && c.length > 0)) {
    fail('pce.classes must be a JSON array of at least 2 non-empty strings');
  }
  const window = positiveInt(Number(meta.get('pce.window')), 'pce.window');
  const fv = Number(meta.get('pce.feature_version'));
  if (!meta.has('pce.feature_version') || !Number.isInteger(fv) || fv < 0) fail('pce.feature_version must be an integer >= 0 (0: features computed by the host)');
  const featureVersion = fv;
  const d = metaJson(meta, 'pce.dims') as Record<string, unknown>;
  if (typeof d !== 'object' || d === null) fail('pce.dims must be a JSON object');
  const hidden = d.hidden;
  if (!Array.isArray(hidden)) fail('pce.dims.hidden must be an array of layer widths');
  const missions = parseMissions(metaJson(meta, 'pce.missions'));
  const dims: ModelDims = {
    P: positiveInt(d.packet_features, 'pce.dims.packet_features'),
    hidden: hidden.map((h, i) => positiveInt(h, `pce.dims.hidden[${i}]`)),
    E: positiveInt(d.embedding, 'pce.dims.embedding'),
    H: positiveInt(d.gnn_width, 'pce.dims.gnn_width'),
    L: positiveInt(d.gnn_layers, 'pce.dims.gnn_layers'),
    M: missions.length,
    A: window,
    D: 0,
    heads: positiveInt(d.heads, 'pce.dims.heads'),
    FF: positiveInt(d.ff, 'pce.dims.ff'),
    C: classes.length,
  };
  dims.D = dims.M * dims.H;
  checkBlobLimits(dims, featureVersion, windowSources, classes as string[], missions);
  if (dims.D % dims.heads !== 0) fail(`pce.dims.heads (${dims.heads}) must divide M·H = ${dims.D}`);

  checkIo(graph, dims);

  const inits = new Map<string, onnxProto.onnx.ITensorProto>();
  for (const t of graph.initializer ?? []) inits.set(t.name ?? '', t);
  const tensor = (name: string, shape: number[]) => {
    const t = inits.get(name) ?? fail(`missing initializer ${name} (expected shape [${shape}])`);
    const dims = (t.dims ?? []).map(Number);
    if (dims.length !== shape.length || dims.some((x, i) => x !== shape[i])) {
      fail(`initializer ${name} has shape [${dims}], expected [${shape}]`);
    }
    return tensorValues(t).data;
  };
  const linear = (prefix: string, out: number, inp: number): Linear => ({
    w: { rows: out, cols: inp, data: tensor(`${prefix}.weight`, [out, inp]) },
    b: tensor(`${prefix}.bias`, [out]),
  });
  const nodeEps = (op: string, scaleName: string): number => {
    const node = (graph.node ?? []).find((n) => n.opType === op && n.input?.[1] === scaleName);
    if (!node) fail(`no ${op} node uses ${scaleName}`);
    const a = (node.attribute ?? []).find((x) => x.name === 'epsilon');
    return a?.f ?? 1e-5;
  };
  for (const n of graph.node ?? []) {
    if (n.opType === 'Elu') {
      const alpha = (n.attribute ?? []).find((x) => x.name === 'alpha')?.f ?? 1;
      if (Math.abs(alpha - 1) > 1e-6) fail(`Elu node ${n.name}: alpha ${alpha}, the contract fixes alpha = 1`);
    }
  }

  const widths = [dims.P, ...dims.hidden, dims.E];
  const proj = widths.slice(1).map((out, i) => linear(`proj.layers.${i}`, out, widths[i]));
  const gnn = missions.map((mission, m) => {
    const n = mission.concepts.length, N = n + 2;
    const concepts = { rows: n, cols: dims.E, data: tensor(`gnn.${m}.concepts`, [n, dims.E]) };
    const lins = Array.from({ length: dims.L }, (_, l) => linear(`gnn.${m}.lins.${l}`, dims.H, l === 0 ? dims.E : dims.H));
    const bns = Array.from({ length: dims.L }, (_, l) => {
      const p = `gnn.${m}.bns.${l}`;
      const variance = tensor(`${p}.running_var`, [dims.H]);
      if (variance.some((v) => v < 0)) fail(`${p}.running_var has a negative entry`);
      return {
        gamma: tensor(`${p}.weight`, [dims.H]), beta: tensor(`${p}.bias`, [dims.H]),
        mean: tensor(`${p}.running_mean`, [dims.H]), variance, eps: nodeEps('BatchNormalization', `${p}.weight`),
      };
    });
    for (let l = 0; l < dims.L; l++) {
      const got = tensor(`gnn.${m}.adj${l}`, [N, N]);
      const want = layerAdjacency(mission, l + 1);
      for (let i = 0; i < N * N; i++) {
        if (Math.abs(got[i] - want[i]) > 1e-6) {
          fail(`initializer gnn.${m}.adj${l} does not match the KG topology of mission ${mission.name} in pce.missions (row ${Math.floor(i / N)}, column ${i % N}: ${got[i]} vs ${want[i]})`);
        }
      }
    }
    return { concepts, lins, bns };
  });
  const D = dims.D;
  const norm = (p: string): Norm => ({ gamma: tensor(`${p}.weight`, [D]), beta: tensor(`${p}.bias`, [D]), eps: nodeEps('LayerNormalization', `${p}.weight`) });
  const temporal = {
    q: linear('temporal.q', D, D), k: linear('temporal.k', D, D), v: linear('temporal.v', D, D), o: linear('temporal.o', D, D),
    ff1: linear('temporal.ff1', dims.FF, D), ff2: linear('temporal.ff2', D, dims.FF), head: linear('temporal.head', dims.C, D),
    norm1: norm('temporal.norm1'), norm2: norm('temporal.norm2'),
  };
  // Last, so that a missing initializer is reported as such rather than as a dangling input.
  checkTopologicalOrder(graph);
  return { dims, featureVersion, windowSources, classes: classes as string[], missions, proj, gnn, temporal };
}

/**
 * pce.window_sources: required from contract version 2 on, a decimal integer (its range is
 * checkBlobLimits'); version 1 predates it, so there it must be absent and the model keeps one
 * window for the stream, as version-1 models were trained.
 */
function windowSourcesOf(meta: Map<string, string>, version: number): number {
  const v = meta.get('pce.window_sources');
  if (version < 2) {
    if (v !== undefined) fail('pce.window_sources needs pce.contract_version 2 (version 1 models have one window for the stream)');
    return 0;
  }
  if (v === undefined) fail('metadata_props lacks required key pce.window_sources (contract version 2): 0 for one window for the stream, 1..256 for one window per source address');
  if (!/^\d+$/.test(v)) fail(`pce.window_sources must be a decimal integer (0: one window for the stream, 1..256: windows per source address), got ${JSON.stringify(v.slice(0, 60))}`);
  return Number(v);
}

/**
 * ONNX requires a graph's nodes in topological order (onnx/IR.md, "Graphs"), which also makes it
 * acyclic: every input a node reads is a graph input, an initializer, the empty name of an
 * omitted optional input, or an output of an EARLIER node; and every value has one producer.
 * ONNX Runtime refuses a graph that breaks this; so does the converter, naming the node.
 */
function checkTopologicalOrder(graph: onnxProto.onnx.IGraphProto): void {
  const known = new Set<string>(['']);
  for (const v of graph.input ?? []) known.add(v.name ?? '');
  for (const t of graph.initializer ?? []) known.add(t.name ?? '');
  (graph.node ?? []).forEach((node, i) => {
    const what = `node ${i} (${node.name || 'unnamed'}, ${node.opType})`;
    for (const input of node.input ?? []) {
      if (!known.has(input)) {
        fail(`${what} reads ${input}, which no graph input, initializer or earlier node produces: the graph has a cycle or is not in topological order`);
      }
    }
    for (const output of node.output ?? []) {
      if (output === '') continue;
      if (known.has(output)) fail(`${what} writes ${output}, which is already defined: every value must have one producer`);
      known.add(output);
    }
  });
}

function checkIo(graph: onnxProto.onnx.IGraphProto, d: ModelDims): void {
  const shapeOf = (v: onnxProto.onnx.IValueInfoProto) =>
    (v.type?.tensorType?.shape?.dim ?? []).map((x) => (x.dimParam ? x.dimParam : Number(x.dimValue ?? 0)));
  const want = (list: onnxProto.onnx.IValueInfoProto[] | null | undefined, kind: string, name: string, shape: (number | null)[]) => {
    const v = (list ?? []).find((x) => x.name === name) ?? fail(`graph ${kind} ${name} is missing`);
    const got = shapeOf(v);
    if (got.length !== shape.length) fail(`graph ${kind} ${name} has rank ${got.length}, expected ${shape.length}`);
    shape.forEach((s, i) => {
      if (s !== null && typeof got[i] === 'number' && got[i] !== 0 && got[i] !== s) fail(`graph ${kind} ${name} dim ${i} is ${got[i]}, expected ${s}`);
    });
  };
  want(graph.input, 'input', 'packets', [null, null, d.P]);
  want(graph.input, 'input', 'present', [null, null]);
  want(graph.output, 'output', 'probs', [null, d.C]);
  want(graph.output, 'output', 'frames', [null, null, d.D]);
}
