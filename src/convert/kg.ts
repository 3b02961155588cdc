/**
 * Knowledge-graph topology as the contract states it (pce.missions) and the
 * per-layer edge sets the design doc derives from it: node ids are the
 * concepts 0..n-1, then the sensor n, then the encoding node n+1.
 */
import { ContractError } from './contract-error.js';

export interface Mission {
  name: string;
  concepts: string[];
  levels: number[];
  /** Concept -> concept edges along the DAG. */
  edges: [number, number][];
}

function fail(msg: string): never {
  throw new ContractError(msg);
}

export function parseMissions(v: unknown): Mission[] {
  if (!Array.isArray(v) || v.length < 1) fail('pce.missions must be a non-empty JSON array');
  return v.map((raw, m) => {
    const where = `pce.missions[${m}]`;
    const o = raw as { name?: unknown; concepts?: unknown; edges?: unknown };
    if (typeof o?.name !== 'string' || !o.name) fail(`${where}.name must be a non-empty string`);
    if (!Array.isArray(o.concepts) || o.concepts.length < 1) fail(`${where}.concepts must be a non-empty array`);
    const concepts = o.concepts.map((c: { name?: unknown; level?: unknown }, i: number) => {
      if (typeof c?.name !== 'string' || !c.name) fail(`${where}.concepts[${i}].name must be a non-empty string`);
      if (typeof c.level !== 'number' || !Number.isInteger(c.level) || c.level < 1) fail(`${where}.concepts[${i}].level must be an integer >= 1`);
      return { name: c.name, level: c.level };
    });
    if (!concepts.some((c) => c.level === 1)) fail(`${where} has no key concept (level 1)`);
    const n = concepts.length;
    if (!Array.isArray(o.edges)) fail(`${where}.edges must be an array of [src, dst] pairs`);
    const edges = o.edges.map((e: unknown, i: number): [number, number] => {
      if (!Array.isArray(e) || e.length !== 2 || !e.every((x) => Number.isInteger(x) && x >= 0 && x < n)) {
        fail(`${where}.edges[${i}] must be [src, dst] concept indices below ${n}, got ${JSON.stringify(e)}`);
      }
      return [e[0], e[1]];
    });
    return { name: o.name, concepts: concepts.map((c) => c.name), levels: concepts.map((c) => c.level), edges };
  });
}

/** All directed edges: sensor -> key concepts, the DAG, non-key -> encoding. */
export function allEdges(m: Mission): [number, number][] {
  const n = m.concepts.length, sensor = n, enc = n + 1;
  return [
    ...m.levels.flatMap((lv, c): [number, number][] => (lv === 1 ? [[sensor, c]] : [])),
    ...m.edges,
    ...m.levels.flatMap((lv, c): [number, number][] => (lv !== 1 ? [[c, enc]] : [])),
  ];
}

/** Directed BFS hop count from the sensor (Infinity if unreachable). */
export function hopDistance(m: Mission): number[] {
  const N = m.concepts.length + 2;
  const dist = new Array<number>(N).fill(Infinity);
  const edges = allEdges(m);
  let frontier = [m.concepts.length];
  dist[frontier[0]] = 0;
  while (frontier.length) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const [a, b] of edges) {
        if (a === u && dist[b] === Infinity) { dist[b] = dist[u] + 1; next.push(b); }
      }
    }
    frontier = next;
  }
  return dist;
}

/** Incoming used edges per node at `layer` (1-based): sources < layer hops from the sensor. */
export function usedInEdges(m: Mission, layer: number): number[][] {
  const N = m.concepts.length + 2;
  const dist = hopDistance(m);
  const inc: number[][] = Array.from({ length: N }, () => []);
  for (const [u, v] of allEdges(m)) if (dist[u] < layer && !inc[v].includes(u)) inc[v].push(u);
  return inc;
}

/** Row-normalised adjacency [N*N] of `layer`, as the exporter stores it. */
export function layerAdjacency(m: Mission, layer: number): Float64Array {
  const N = m.concepts.length + 2;
  const a = new Float64Array(N * N);
  usedInEdges(m, layer).forEach((srcs, v) => { for (const u of srcs) a[v * N + u] = 1 / srcs.length; });
  return a;
}
