/**
 * The ONNX side of the comparison (docs/efficiency.md): the shipped float
 * graph cut into its per-packet and temporal halves for streaming ONNX
 * Runtime runs, and FLOPs counted by walking the graph ONNX Runtime runs with
 * the tensor shapes of a real run (every intermediate tensor made a graph
 * output once, so ONNX Runtime itself reports the shapes).
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
type Model = onnxProto.onnx.ModelProto;
type Node = onnxProto.onnx.INodeProto;

/**
 * The nodes that compute `outputs` from `inputs` (a backward walk that stops
 * at the given inputs), as a model of their own: the per-packet half is
 * packets -> frames, the temporal half frames (+ present) -> probs.
 */
export function subgraph(bytes: Uint8Array, inputs: string[], outputs: string[]): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const producer = new Map<string, Node>();
  for (const n of g.node!) for (const o of n.output!) producer.set(o, n);
  const keep = new Set<Node>(), need = [...outputs], seen = new Set<string>(inputs);
  while (need.length) {
    const t = need.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const n = producer.get(t);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    need.push(...n.input!.filter((x) => x !== ''));
  }
  const used = new Set([...keep].flatMap((n) => n.input!));
  const valueInfo = [...g.input!, ...g.output!];
  const typed = (name: string) => valueInfo.find((v) => v.name === name) ?? { name };
  const out = onnx.ModelProto.create({
    ...m,
    graph: onnx.GraphProto.create({
      ...g,
      node: g.node!.filter((n) => keep.has(n)),
      initializer: g.initializer!.filter((t) => used.has(t.name!)),
      input: [...new Set([...inputs, ...g.input!.map((i) => i.name!)])].filter((i) => used.has(i)).map(typed),
      output: outputs.map(typed),
      valueInfo: [],
    }),
  });
  return onnx.ModelProto.encode(out).finish();
}

/** The graph with every node output also a graph output (names only: ONNX Runtime infers the types). */
function allOutputs(m: Model): Uint8Array {
  const g = m.graph!;
  const outs = new Set(g.output!.map((o) => o.name));
  const extra = g.node!.flatMap((n) => n.output!).filter((o) => o && !outs.has(o)).map((name) => onnx.ValueInfoProto.create({ name }));
  return onnx.ModelProto.encode(onnx.ModelProto.create({ ...m, graph: onnx.GraphProto.create({ ...g, output: [...g.output!, ...extra] }) })).finish();
}

export interface OnnxFlops {
  /** 2 per multiply-accumulate of MatMul / Gemm / Conv (the convention the engine's MACs use). */
  matmulFlops: number;
  /** One per output element of elementwise, normalization, activation and reduction ops. */
  elementwiseFlops: number;
  total: number;
  parameters: number;
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Relu', 'Elu', 'Sigmoid', 'Tanh', 'Exp', 'Sqrt', 'Pow', 'Where', 'Equal',
  'BatchNormalization', 'LayerNormalization', 'Softmax', 'ReduceSum', 'ReduceMean', 'Max', 'Min', 'Neg', 'Abs', 'Clip', 'Erf']);

/** FLOPs of one run of the graph on `feeds`, from the shapes ONNX Runtime reports for every tensor. */
export async function onnxFlops(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<OnnxFlops> {
  const m = onnx.ModelProto.decode(bytes);
  const session = await ort.InferenceSession.create(allOutputs(m), { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const t = await session.run(feeds);
  await session.release();
  const init = new Map(m.graph!.initializer!.map((x) => [x.name!, (x.dims ?? []).map(Number)]));
  const dims = (name: string): number[] => (t[name]?.dims as number[] | undefined)?.map(Number) ?? init.get(name) ?? (feeds[name]?.dims as number[]) ?? [];
  const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
  let matmul = 0, elementwise = 0;
  for (const n of m.graph!.node!) {
    const out = dims(n.output![0]);
    if (n.opType === 'Gemm') {
      const a = dims(n.input![0]);
      const transA = n.attribute?.find((x) => x.name === 'transA')?.i;
      const k = Number(transA) ? a[0] : a[1];
      matmul += 2 * size(out) * k + (n.input!.length > 2 ? size(out) : 0);
    } else if (n.opType === 'MatMul') {
      const a = dims(n.input![0]);
      matmul += 2 * size(out) * a[a.length - 1];
    } else if (n.opType === 'Conv') {
      const w = dims(n.input![1]);
      matmul += 2 * size(out) * size(w.slice(1));
    } else if (ELEMENTWISE.has(n.opType!)) {
      elementwise += size(out);
    }
  }
  const parameters = m.graph!.initializer!.filter((x) => (x.dataType === onnx.TensorProto.DataType.FLOAT)).reduce((a, x) => a + size((x.dims ?? []).map(Number)), 0);
  return { matmulFlops: matmul, elementwiseFlops: elementwise, total: matmul + elementwise, parameters };
}
