/** Seeded synthetic store layouts for the property tests and bench/route (`@cartwatch/cart-device/test/random-layout`). */
import type { StoreLayoutInput } from '@cartwatch/common-types';

/** mulberry32: small, fast, seeded; the same seed gives the same layouts on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A connected layout of `nodeCount` nodes: a random spanning tree plus `extraEdges` random edges,
 * Euclidean-ish distances (rounded, so ties happen), node 0 the entrance, node 1 the checkout.
 */
export function randomLayout(random: () => number, nodeCount: number, extraEdges: number): StoreLayoutInput {
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    id: `n${i}`,
    kind: (i === 0 ? 'entrance' : i === 1 ? 'checkout' : 'aisle') as 'entrance' | 'checkout' | 'aisle',
    x: Math.round(random() * 100),
    y: Math.round(random() * 60),
  }));
  const distance = (a: number, b: number) => {
    const na = nodes[a];
    const nb = nodes[b];
    if (!na || !nb) return 0;
    return Math.round(Math.hypot(na.x - nb.x, na.y - nb.y));
  };
  const edges: StoreLayoutInput['edges'] = [];
  for (let i = 1; i < nodeCount; i++) {
    const j = Math.floor(random() * i);
    edges.push({ from: `n${j}`, to: `n${i}`, distance: distance(i, j) });
  }
  for (let e = 0; e < extraEdges; e++) {
    const a = Math.floor(random() * nodeCount);
    const b = Math.floor(random() * nodeCount);
    if (a !== b) edges.push({ from: `n${a}`, to: `n${b}`, distance: distance(a, b) });
  }
  return { nodes, edges, placements: [] };
}

/**
 * A supermarket-like grid: `aisles` parallel aisles of `depth` points, cross aisles every `crossEvery`
 * points, entrance and checkout at the front corners. aisles * depth nodes in all.
 */
export function gridStore(aisles: number, depth: number, crossEvery: number): StoreLayoutInput {
  const id = (a: number, d: number) => `a${a}-${d}`;
  const nodes: StoreLayoutInput['nodes'] = [];
  const edges: StoreLayoutInput['edges'] = [];
  for (let a = 0; a < aisles; a++) {
    for (let d = 0; d < depth; d++) {
      const kind = a === 0 && d === 0 ? 'entrance' : a === aisles - 1 && d === 0 ? 'checkout' : 'aisle';
      nodes.push({ id: id(a, d), kind, x: a * 3, y: d * 1.5 });
      if (d > 0) edges.push({ from: id(a, d - 1), to: id(a, d), distance: 1.5 });
      if (a > 0 && d % crossEvery === 0) edges.push({ from: id(a - 1, d), to: id(a, d), distance: 3 });
    }
  }
  // The back wall connects every aisle too, as in a real store.
  for (let a = 1; a < aisles; a++) {
    if ((depth - 1) % crossEvery !== 0)
      edges.push({ from: id(a - 1, depth - 1), to: id(a, depth - 1), distance: 3 });
  }
  return { nodes, edges, placements: [] };
}
