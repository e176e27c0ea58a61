/**
 * The shopping-route problem on a metric distance matrix: start at the entrance, visit every stop once,
 * finish at the best checkout. Exact by Held-Karp dynamic programming (O(2^k k^2)) for small k; above,
 * nearest-neighbour and cheapest-insertion starts improved by 2-opt and Or-opt until no move helps.
 * See docs/store-routing.md.
 */

export interface PathTspProblem {
  /** size × size distances, row-major; index = terminal number. */
  distance: Float64Array;
  size: number;
  start: number;
  /** Allowed last terminals (checkouts); the best one is chosen. */
  ends: number[];
  /** Terminals to visit, each once, in any order. */
  stops: number[];
}

export interface PathTspSolution {
  order: number[];
  end: number;
  cost: number;
}

const d = (p: PathTspProblem, a: number, b: number) => p.distance[a * p.size + b] ?? Number.POSITIVE_INFINITY;

/** Cost of start -> order... -> end. */
export function pathCost(p: PathTspProblem, order: readonly number[], end: number): number {
  let cost = 0;
  let at = p.start;
  for (const stop of order) {
    cost += d(p, at, stop);
    at = stop;
  }
  return cost + d(p, at, end);
}

function bestEnd(p: PathTspProblem, last: number): { end: number; cost: number } {
  let end = p.ends[0] ?? p.start;
  let cost = Number.POSITIVE_INFINITY;
  for (const candidate of p.ends) {
    const c = d(p, last, candidate);
    if (c < cost) {
      cost = c;
      end = candidate;
    }
  }
  return { end, cost };
}

/** Held-Karp. dp[mask * k + j] = shortest start -> (stops in mask) ending at stop j. */
export function solveExact(p: PathTspProblem): PathTspSolution {
  const k = p.stops.length;
  if (k === 0) {
    const { end, cost } = bestEnd(p, p.start);
    return { order: [], end, cost };
  }
  if (k > 20) throw new Error(`Held-Karp over ${k} stops would need too much memory`);
  const full = (1 << k) - 1;
  const dp = new Float64Array((full + 1) * k).fill(Number.POSITIVE_INFINITY);
  const parent = new Int8Array((full + 1) * k).fill(-1);
  for (let j = 0; j < k; j++) dp[(1 << j) * k + j] = d(p, p.start, p.stops[j] ?? 0);
  for (let mask = 1; mask <= full; mask++) {
    for (let j = 0; j < k; j++) {
      if ((mask & (1 << j)) === 0) continue;
      const here = dp[mask * k + j] ?? Number.POSITIVE_INFINITY;
      if (here === Number.POSITIVE_INFINITY) continue;
      const from = p.stops[j] ?? 0;
      for (let next = 0; next < k; next++) {
        if ((mask & (1 << next)) !== 0) continue;
        const target = (mask | (1 << next)) * k + next;
        const candidate = here + d(p, from, p.stops[next] ?? 0);
        if (candidate < (dp[target] ?? Number.POSITIVE_INFINITY)) {
          dp[target] = candidate;
          parent[target] = j;
        }
      }
    }
  }
  let bestLast = 0;
  let best = { end: p.ends[0] ?? p.start, cost: Number.POSITIVE_INFINITY };
  for (let j = 0; j < k; j++) {
    const tail = bestEnd(p, p.stops[j] ?? 0);
    const total = (dp[full * k + j] ?? Number.POSITIVE_INFINITY) + tail.cost;
    if (total < best.cost) {
      best = { end: tail.end, cost: total };
      bestLast = j;
    }
  }
  const order: number[] = [];
  for (let mask = full, j = bestLast; j >= 0; ) {
    order.push(p.stops[j] ?? 0);
    const previous = parent[mask * k + j] ?? -1;
    mask &= ~(1 << j);
    j = previous;
  }
  order.reverse();
  return { order, end: best.end, cost: best.cost };
}

/** Every permutation: the reference the tests hold Held-Karp to (k <= 8). */
export function solveBruteForce(p: PathTspProblem): PathTspSolution {
  let best: PathTspSolution = { order: [], end: p.ends[0] ?? p.start, cost: Number.POSITIVE_INFINITY };
  const permute = (rest: number[], prefix: number[]) => {
    if (rest.length === 0) {
      for (const end of p.ends) {
        const cost = pathCost(p, prefix, end);
        if (cost < best.cost) best = { order: [...prefix], end, cost };
      }
      return;
    }
    for (let i = 0; i < rest.length; i++) {
      permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...prefix, rest[i] ?? 0]);
    }
  };
  permute([...p.stops], []);
  return best;
}

function nearestNeighbour(p: PathTspProblem): number[] {
  const left = new Set(p.stops);
  const order: number[] = [];
  let at = p.start;
  while (left.size > 0) {
    let next = -1;
    let cost = Number.POSITIVE_INFINITY;
    for (const stop of left) {
      const c = d(p, at, stop);
      if (c < cost) {
        cost = c;
        next = stop;
      }
    }
    order.push(next);
    left.delete(next);
    at = next;
  }
  return order;
}

/** Cheapest insertion between start and a fixed end. */
function cheapestInsertion(p: PathTspProblem, end: number): number[] {
  const order: number[] = [];
  const left = new Set(p.stops);
  while (left.size > 0) {
    let bestStop = -1;
    let bestAt = 0;
    let bestDelta = Number.POSITIVE_INFINITY;
    for (const stop of left) {
      for (let i = 0; i <= order.length; i++) {
        const before = i === 0 ? p.start : (order[i - 1] ?? 0);
        const after = i === order.length ? end : (order[i] ?? 0);
        const delta = d(p, before, stop) + d(p, stop, after) - d(p, before, after);
        if (delta < bestDelta) {
          bestDelta = delta;
          bestStop = stop;
          bestAt = i;
        }
      }
    }
    order.splice(bestAt, 0, bestStop);
    left.delete(bestStop);
  }
  return order;
}

const EPSILON = 1e-9;

/** 2-opt (reverse a segment) and Or-opt (move a run of 1-3 stops, either way round) with fixed ends. */
export function improve(
  p: PathTspProblem,
  initial: readonly number[],
  end: number,
  maxPasses = 200,
): number[] {
  const order = [...initial];
  const n = order.length;
  const node = (i: number) => (i < 0 ? p.start : i >= n ? end : (order[i] ?? 0));
  for (let pass = 0; pass < maxPasses; pass++) {
    let improved = false;
    // 2-opt: reversing order[i..j] replaces edges (i-1,i) and (j,j+1) with (i-1,j) and (i,j+1).
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = node(i - 1);
        const b = node(i);
        const c = node(j);
        const e = node(j + 1);
        const delta = d(p, a, c) + d(p, b, e) - d(p, a, b) - d(p, c, e);
        if (delta < -EPSILON) {
          for (let lo = i, hi = j; lo < hi; lo++, hi--) {
            const swap = order[lo] ?? 0;
            order[lo] = order[hi] ?? 0;
            order[hi] = swap;
          }
          improved = true;
        }
      }
    }
    // Or-opt: take order[i..i+len-1] out and put it between positions, possibly reversed.
    for (let len = 1; len <= 3; len++) {
      for (let i = 0; i + len <= n; i++) {
        const first = node(i);
        const last = node(i + len - 1);
        const before = node(i - 1);
        const after = node(i + len);
        const removeGain = d(p, before, first) + d(p, last, after) - d(p, before, after);
        let bestDelta = -EPSILON;
        let bestGap = -2;
        let bestReversed = false;
        for (let gap = -1; gap < n; gap++) {
          if (gap >= i - 1 && gap < i + len) continue; // gaps touching the run itself
          const x = node(gap);
          const y = node(gap + 1);
          const base = d(p, x, y);
          const forward = d(p, x, first) + d(p, last, y) - base - removeGain;
          const backward = d(p, x, last) + d(p, first, y) - base - removeGain;
          if (forward < bestDelta) {
            bestDelta = forward;
            bestGap = gap;
            bestReversed = false;
          }
          if (backward < bestDelta) {
            bestDelta = backward;
            bestGap = gap;
            bestReversed = true;
          }
        }
        if (bestGap !== -2) {
          const run = order.splice(i, len);
          if (bestReversed) run.reverse();
          const insertAt = bestGap < i ? bestGap + 1 : bestGap + 1 - len;
          order.splice(insertAt, 0, ...run);
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return order;
}

export function solveHeuristic(p: PathTspProblem): PathTspSolution {
  if (p.stops.length === 0) return solveExact(p);
  let best: PathTspSolution = { order: [], end: p.ends[0] ?? p.start, cost: Number.POSITIVE_INFINITY };
  const consider = (order: number[], end: number) => {
    const improved = improve(p, order, end);
    const cost = pathCost(p, improved, end);
    if (cost < best.cost) best = { order: improved, end, cost };
  };
  const nn = nearestNeighbour(p);
  for (const end of p.ends) {
    consider(nn, end);
    consider(cheapestInsertion(p, end), end);
  }
  return best;
}
