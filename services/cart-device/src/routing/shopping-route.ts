/**
 * From a graph and the nodes to visit to a walk: shortest paths from every terminal (entrance,
 * checkouts, stops), then the path TSP over those distances, exact up to `exactMaxStops`.
 */

import { type PathTspProblem, solveExact, solveHeuristic } from './path-tsp.js';
import { dijkstra, pathTo, type ShortestPaths } from './shortest-paths.js';
import type { StoreGraph } from './store-graph.js';

export interface PlannedRoute {
  method: 'exact' | 'heuristic';
  totalDistance: number;
  /** Stop node indexes in walking order (entrance and checkout excluded). */
  stops: number[];
  /** The checkout node index the walk ends at. */
  checkout: number;
  /** Walking distance of each stop from the one before (entrance first). */
  legs: number[];
  /** Every node index walked through. */
  path: number[];
}

export function planRoute(
  graph: StoreGraph,
  stopNodes: readonly number[],
  exactMaxStops: number,
): PlannedRoute {
  const wanted = [...new Set(stopNodes)];
  const terminals = [graph.entrance, ...graph.checkouts, ...wanted];
  const unique = [...new Set(terminals)];
  const terminalOf = new Map(unique.map((node, index) => [node, index]));
  // Undirected graph: one Dijkstra per terminal gives every row of the matrix.
  const trees: ShortestPaths[] = unique.map((node) => dijkstra(graph, node));
  const size = unique.length;
  const distance = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    const tree = trees[a];
    for (let b = 0; b < size; b++)
      distance[a * size + b] = tree?.distance[unique[b] ?? 0] ?? Number.POSITIVE_INFINITY;
  }
  const index = (node: number) => terminalOf.get(node) ?? 0;
  const problem: PathTspProblem = {
    distance,
    size,
    start: index(graph.entrance),
    ends: graph.checkouts.map(index),
    // A stop that is also a checkout still has to be visited before the walk ends.
    stops: wanted.map(index),
  };
  const exact = problem.stops.length <= exactMaxStops;
  const solution = exact ? solveExact(problem) : solveHeuristic(problem);

  const sequence = [problem.start, ...solution.order, solution.end];
  const path: number[] = [graph.entrance];
  const legs: number[] = [];
  for (let i = 1; i < sequence.length; i++) {
    const from = sequence[i - 1] ?? 0;
    const to = sequence[i] ?? 0;
    legs.push(distance[from * size + to] ?? 0);
    const tree = trees[from];
    if (!tree) throw new Error('missing shortest-path tree');
    path.push(...pathTo(tree, unique[from] ?? 0, unique[to] ?? 0).slice(1));
  }
  return {
    method: exact ? 'exact' : 'heuristic',
    totalDistance: solution.cost,
    stops: solution.order.map((terminal) => unique[terminal] ?? 0),
    checkout: unique[solution.end] ?? 0,
    legs: legs.slice(0, solution.order.length),
    path,
  };
}
