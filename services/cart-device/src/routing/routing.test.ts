/**
 * Property tests of the routing core on seeded random layouts: Held-Karp equals brute force, the
 * heuristic stays within the documented bound of the exact answer, and every reported path is a real
 * walk whose length is the reported distance.
 */
import { describe, expect, it } from 'vitest';
import { randomLayout, seededRandom } from '../../test/random-layout.js';
import { type PathTspProblem, pathCost, solveBruteForce, solveExact, solveHeuristic } from './path-tsp.js';
import { planRoute } from './shopping-route.js';
import { dijkstra } from './shortest-paths.js';
import { buildStoreGraph, validateLayout } from './store-graph.js';

/** The bound docs/store-routing.md states for the heuristic on up to 12 stops. */
const HEURISTIC_BOUND = 1.1;

function problemFrom(
  random: () => number,
  nodeCount: number,
  stopCount: number,
  checkouts = 1,
): PathTspProblem {
  const layout = randomLayout(random, nodeCount, Math.floor(nodeCount / 2));
  const graph = buildStoreGraph(layout);
  const size = nodeCount;
  const distance = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    const tree = dijkstra(graph, a);
    for (let b = 0; b < size; b++) distance[a * size + b] = tree.distance[b] ?? 0;
  }
  const candidates = Array.from({ length: nodeCount - 1 }, (_, i) => i + 1);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] ?? 0, candidates[i] ?? 0];
  }
  return {
    distance,
    size,
    start: 0,
    ends: candidates.slice(0, checkouts),
    stops: candidates.slice(checkouts, checkouts + stopCount),
  };
}

describe('exact routes', () => {
  it('equal brute force on 300 random small layouts', () => {
    const random = seededRandom(20261122);
    for (let trial = 0; trial < 300; trial++) {
      const problem = problemFrom(
        random,
        6 + Math.floor(random() * 10),
        Math.floor(random() * 8),
        1 + (trial % 3),
      );
      const exact = solveExact(problem);
      const brute = solveBruteForce(problem);
      expect(exact.cost).toBeCloseTo(brute.cost, 9);
      expect(pathCost(problem, exact.order, exact.end)).toBeCloseTo(exact.cost, 9);
      expect([...exact.order].sort()).toEqual([...problem.stops].sort());
      expect(problem.ends).toContain(exact.end);
    }
  });
});

describe('heuristic routes', () => {
  it(`stay within ${HEURISTIC_BOUND}x of the exact answer where both run`, () => {
    const random = seededRandom(7);
    let worst = 1;
    for (let trial = 0; trial < 200; trial++) {
      const problem = problemFrom(random, 20 + Math.floor(random() * 30), 3 + Math.floor(random() * 10));
      const exact = solveExact(problem);
      const heuristic = solveHeuristic(problem);
      expect(pathCost(problem, heuristic.order, heuristic.end)).toBeCloseTo(heuristic.cost, 9);
      expect([...heuristic.order].sort()).toEqual([...problem.stops].sort());
      expect(heuristic.cost).toBeGreaterThanOrEqual(exact.cost - 1e-9);
      if (exact.cost > 0) worst = Math.max(worst, heuristic.cost / exact.cost);
    }
    expect(worst).toBeLessThanOrEqual(HEURISTIC_BOUND);
  });
});

describe('planned walks', () => {
  it('walk real edges from the entrance through every stop to a checkout, as long as reported', () => {
    const random = seededRandom(99);
    for (let trial = 0; trial < 100; trial++) {
      const layout = randomLayout(random, 30, 15);
      const graph = buildStoreGraph(layout);
      const edgeLength = new Map<string, number>();
      for (const edge of layout.edges) {
        for (const key of [`${edge.from}|${edge.to}`, `${edge.to}|${edge.from}`]) {
          edgeLength.set(key, Math.min(edgeLength.get(key) ?? Number.POSITIVE_INFINITY, edge.distance));
        }
      }
      const stops = Array.from({ length: 1 + Math.floor(random() * 20) }, () => Math.floor(random() * 30));
      const plan = planRoute(graph, stops, trial % 2 === 0 ? 12 : 0);
      const walked = plan.path.map((node) => graph.nodeIds[node] ?? '');
      expect(walked[0]).toBe('n0');
      expect(walked.at(-1)).toBe('n1');
      let length = 0;
      for (let i = 1; i < walked.length; i++) {
        const step = edgeLength.get(`${walked[i - 1]}|${walked[i]}`);
        expect(step).toBeDefined();
        length += step ?? 0;
      }
      expect(length).toBeCloseTo(plan.totalDistance, 9);
      for (const stop of stops) expect(plan.path).toContain(stop);
      expect(new Set(plan.stops)).toEqual(new Set(stops));
    }
  });
});

describe('layout validation', () => {
  const base = randomLayout(seededRandom(1), 8, 2);

  it('accepts a connected layout with an entrance and a checkout', () => {
    expect(validateLayout(base)).toEqual([]);
  });

  it('names unknown nodes, duplicate ids, a missing entrance and a disconnected part', () => {
    const broken = {
      nodes: [
        ...base.nodes.map((node) => ({ ...node, kind: 'aisle' as const })),
        { id: 'n2', kind: 'aisle' as const, x: 0, y: 0 },
        { id: 'island', kind: 'checkout' as const, x: 0, y: 0 },
      ],
      edges: [...base.edges, { from: 'n0', to: 'nowhere', distance: 1 }],
      placements: [{ nodeId: 'ghost', category: 'dairy' }],
    };
    const paths = validateLayout(broken).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['nodes.8.id', 'nodes', `edges.${base.edges.length}.to`, 'placements.0.nodeId']),
    );
    const disconnected = {
      ...base,
      nodes: [...base.nodes, { id: 'island', kind: 'aisle' as const, x: 0, y: 0 }],
    };
    expect(validateLayout(disconnected)).toEqual([
      expect.objectContaining({ path: 'edges', code: 'disconnected' }),
    ]);
  });
});
