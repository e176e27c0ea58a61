/** Single-source shortest paths (Dijkstra with a binary heap) over a StoreGraph. */
import type { StoreGraph } from './store-graph.js';

export interface ShortestPaths {
  distance: Float64Array;
  /** Previous node on a shortest path from the source; -1 at the source and for unreachable nodes. */
  previous: Int32Array;
}

export function dijkstra(graph: StoreGraph, source: number): ShortestPaths {
  const n = graph.nodeIds.length;
  const distance = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const previous = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  // Binary heap of (distance, node) with lazy deletion: at most one entry per relaxed edge.
  let heapNodes = new Int32Array(Math.max(16, n));
  let heapKeys = new Float64Array(Math.max(16, n));
  let size = 0;
  const push = (node: number, key: number) => {
    if (size === heapNodes.length) {
      const nodes = new Int32Array(size * 2);
      nodes.set(heapNodes);
      heapNodes = nodes;
      const keys = new Float64Array(size * 2);
      keys.set(heapKeys);
      heapKeys = keys;
    }
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heapKeys[parent] ?? 0) <= key) break;
      heapNodes[i] = heapNodes[parent] ?? 0;
      heapKeys[i] = heapKeys[parent] ?? 0;
      i = parent;
    }
    heapNodes[i] = node;
    heapKeys[i] = key;
  };
  const pop = (): number => {
    const top = heapNodes[0] ?? 0;
    size--;
    const lastNode = heapNodes[size] ?? 0;
    const lastKey = heapKeys[size] ?? 0;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && (heapKeys[child + 1] ?? 0) < (heapKeys[child] ?? 0)) child++;
      if ((heapKeys[child] ?? 0) >= lastKey) break;
      heapNodes[i] = heapNodes[child] ?? 0;
      heapKeys[i] = heapKeys[child] ?? 0;
      i = child;
    }
    heapNodes[i] = lastNode;
    heapKeys[i] = lastKey;
    return top;
  };

  distance[source] = 0;
  push(source, 0);
  while (size > 0) {
    const node = pop();
    if (done[node] === 1) continue;
    done[node] = 1;
    const base = distance[node] ?? 0;
    for (let e = graph.offsets[node] ?? 0; e < (graph.offsets[node + 1] ?? 0); e++) {
      const next = graph.adjacency[e] ?? 0;
      const candidate = base + (graph.weights[e] ?? 0);
      if (candidate < (distance[next] ?? 0)) {
        distance[next] = candidate;
        previous[next] = node;
        push(next, candidate);
      }
    }
  }
  return { distance, previous };
}

/** Node indexes from the source of `paths` to `target`, both included. */
export function pathTo(paths: ShortestPaths, source: number, target: number): number[] {
  const reversed = [target];
  for (let node = target; node !== source; ) {
    node = paths.previous[node] ?? -1;
    if (node < 0) throw new Error('target is not reachable');
    reversed.push(node);
  }
  return reversed.reverse();
}
