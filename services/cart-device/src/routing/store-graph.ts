/**
 * A store layout as a weighted undirected graph in compressed adjacency form (CSR), plus the checks
 * a layout must pass: unique node ids, edges between known nodes, exactly one entrance, at least one
 * checkout, every node reachable. Distances are non-negative by schema, so Dijkstra applies.
 */
import type { FieldIssue, StoreLayoutInput } from '@cartwatch/common-types';

export interface StoreGraph {
  nodeIds: string[];
  indexOf: Map<string, number>;
  /** Neighbours of node i are adjacency[offsets[i] .. offsets[i+1]), with weights alongside. */
  offsets: Int32Array;
  adjacency: Int32Array;
  weights: Float64Array;
  entrance: number;
  checkouts: number[];
}

export function buildStoreGraph(layout: Pick<StoreLayoutInput, 'nodes' | 'edges'>): StoreGraph {
  const nodeIds = layout.nodes.map((node) => node.id);
  const indexOf = new Map(nodeIds.map((id, index) => [id, index]));
  const degree = new Int32Array(nodeIds.length);
  for (const edge of layout.edges) {
    const from = indexOf.get(edge.from);
    const to = indexOf.get(edge.to);
    if (from === undefined || to === undefined)
      throw new Error(`edge ${edge.from}-${edge.to} has an unknown node`);
    degree[from] = (degree[from] ?? 0) + 1;
    degree[to] = (degree[to] ?? 0) + 1;
  }
  const offsets = new Int32Array(nodeIds.length + 1);
  for (let i = 0; i < nodeIds.length; i++) offsets[i + 1] = (offsets[i] ?? 0) + (degree[i] ?? 0);
  const fill = offsets.slice(0, nodeIds.length);
  const adjacency = new Int32Array(layout.edges.length * 2);
  const weights = new Float64Array(layout.edges.length * 2);
  const put = (from: number, to: number, weight: number) => {
    const slot = fill[from] ?? 0;
    adjacency[slot] = to;
    weights[slot] = weight;
    fill[from] = slot + 1;
  };
  for (const edge of layout.edges) {
    const from = indexOf.get(edge.from) ?? 0;
    const to = indexOf.get(edge.to) ?? 0;
    put(from, to, edge.distance);
    put(to, from, edge.distance);
  }
  const entrance = layout.nodes.findIndex((node) => node.kind === 'entrance');
  const checkouts = layout.nodes.flatMap((node, index) => (node.kind === 'checkout' ? [index] : []));
  return { nodeIds, indexOf, offsets, adjacency, weights, entrance, checkouts };
}

/** Every problem of the layout as a field issue (empty = valid). */
export function validateLayout(layout: StoreLayoutInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, number>();
  layout.nodes.forEach((node, index) => {
    if (seen.has(node.id)) {
      issues.push({ path: `nodes.${index}.id`, message: `duplicate node id ${node.id}`, code: 'duplicate' });
    }
    seen.set(node.id, index);
  });
  const entrances = layout.nodes.filter((node) => node.kind === 'entrance').length;
  if (entrances !== 1) {
    issues.push({
      path: 'nodes',
      message: `needs exactly one entrance (found ${entrances})`,
      code: 'entrance',
    });
  }
  if (!layout.nodes.some((node) => node.kind === 'checkout')) {
    issues.push({ path: 'nodes', message: 'needs at least one checkout', code: 'checkout' });
  }
  layout.edges.forEach((edge, index) => {
    for (const end of ['from', 'to'] as const) {
      if (!seen.has(edge[end])) {
        issues.push({
          path: `edges.${index}.${end}`,
          message: `unknown node ${edge[end]}`,
          code: 'unknown_node',
        });
      }
    }
  });
  layout.placements.forEach((placement, index) => {
    if (!seen.has(placement.nodeId)) {
      issues.push({
        path: `placements.${index}.nodeId`,
        message: `unknown node ${placement.nodeId}`,
        code: 'unknown_node',
      });
    }
  });
  if (issues.length > 0) return issues;

  const graph = buildStoreGraph(layout);
  const reached = new Uint8Array(graph.nodeIds.length);
  const stack = [0];
  reached[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop() ?? 0;
    for (let e = graph.offsets[node] ?? 0; e < (graph.offsets[node + 1] ?? 0); e++) {
      const next = graph.adjacency[e] ?? 0;
      if (reached[next] === 0) {
        reached[next] = 1;
        stack.push(next);
      }
    }
  }
  const unreachable = graph.nodeIds.filter((_, index) => reached[index] === 0);
  if (unreachable.length > 0) {
    issues.push({
      path: 'edges',
      message: `the layout is not connected: ${unreachable.slice(0, 10).join(', ')}${unreachable.length > 10 ? ', …' : ''} cannot be reached`,
      code: 'disconnected',
    });
  }
  return issues;
}
