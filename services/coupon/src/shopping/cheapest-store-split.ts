/**
 * The exact cheapest store split (docs/shopping-optimizer.md). Pure: it sees numbers, not coupons.
 *
 * Problem: every list item i can be bought at a store s through one of several line options (the
 * shelf price, or the shelf price minus one line coupon); each store may offer spend thresholds
 * ("subtotal >= T saves D", best one met applies). Choose for each item one (store, option), using at
 * most `maxStores` stores, that first covers as many items as possible and then costs least.
 *
 * Method: (1) only subsets of exactly min(maxStores, stores) stores need to be tried (a store in a
 * subset may stay unused), and only those covering the most items; they are visited in order of a lower
 * bound and cut off once the bound reaches the best total. (2) Inside a subset, each store is given a
 * target threshold level (none, or one of its Pareto-best thresholds); with targets fixed, the cost is
 * separable except for the constraints "store subtotal >= its target", which a depth-first branch and
 * bound solves exactly (bounds: cheapest remaining options + a fractional-knapsack cost of reaching each
 * unmet target; infeasibility: the remaining items cannot reach a target). The minimum over target
 * levels is the optimum, because a real split meets its own levels and costs at most what any lower
 * target level charges for it.
 */

export interface LineOption {
  /** What the line costs through this option (shelf price minus the coupon's discount). */
  costCents: number;
  /** The line coupon used; none = shelf price. */
  couponId?: string;
}

export interface SpendOffer {
  couponId: string;
  thresholdCents: number;
  amountOffCents: number;
}

export interface SplitProblem {
  /** options[item][store]: undefined when the store has no price for the item. */
  options: ReadonlyArray<ReadonlyArray<ReadonlyArray<LineOption> | undefined>>;
  /** spendOffers[store]: threshold offers of that store. */
  spendOffers: ReadonlyArray<ReadonlyArray<SpendOffer>>;
  storeCount: number;
  maxStores: number;
  /** Safety valve: more branch-and-bound nodes than this throws SplitTooLargeError (never a guess). */
  maxNodes?: number;
}

export interface LineChoice {
  store: number;
  option: number;
}

export interface StoreOutcome {
  subtotalCents: number;
  spendOffer: SpendOffer | undefined;
  totalCents: number;
}

export interface SplitSolution {
  /** Per item: the chosen (store, option), or null when no store of the split prices it. */
  choices: (LineChoice | null)[];
  uncoveredCount: number;
  totalCents: number;
  stores: Map<number, StoreOutcome>;
  /** Branch-and-bound nodes visited (for benchmarks). */
  nodes: number;
}

export class SplitTooLargeError extends Error {
  constructor(readonly nodes: number) {
    super(`the cheapest split needs more than ${nodes} search nodes; shorten the list or lower maxStores`);
  }
}

/** Cost of a given choice by definition: used by the solver's output and by the brute-force tests. */
export function evaluateChoices(
  problem: SplitProblem,
  choices: ReadonlyArray<LineChoice | null>,
): Omit<SplitSolution, 'choices' | 'nodes'> {
  const subtotals = new Map<number, number>();
  let uncoveredCount = 0;
  choices.forEach((choice, item) => {
    if (!choice) {
      uncoveredCount += 1;
      return;
    }
    const option = problem.options[item]?.[choice.store]?.[choice.option];
    if (!option) throw new Error(`item ${item} has no option ${choice.option} at store ${choice.store}`);
    subtotals.set(choice.store, (subtotals.get(choice.store) ?? 0) + option.costCents);
  });
  const stores = new Map<number, StoreOutcome>();
  let totalCents = 0;
  for (const [store, subtotalCents] of subtotals) {
    let spendOffer: SpendOffer | undefined;
    for (const offer of problem.spendOffers[store] ?? []) {
      if (subtotalCents >= offer.thresholdCents && offer.amountOffCents > (spendOffer?.amountOffCents ?? 0)) {
        spendOffer = offer;
      }
    }
    const storeTotal = subtotalCents - Math.min(spendOffer?.amountOffCents ?? 0, subtotalCents);
    stores.set(store, { subtotalCents, spendOffer, totalCents: storeTotal });
    totalCents += storeTotal;
  }
  return { uncoveredCount, totalCents, stores };
}

interface Level {
  thresholdCents: number;
  amountOffCents: number;
}

/** Thresholds worth targeting: ascending threshold with strictly growing savings, led by "none". */
function paretoLevels(offers: ReadonlyArray<SpendOffer>): Level[] {
  const sorted = [...offers].sort(
    (a, b) => a.thresholdCents - b.thresholdCents || b.amountOffCents - a.amountOffCents,
  );
  const levels: Level[] = [{ thresholdCents: 0, amountOffCents: 0 }];
  for (const offer of sorted) {
    const last = levels[levels.length - 1] as Level;
    if (offer.amountOffCents <= last.amountOffCents) continue;
    if (offer.thresholdCents <= last.thresholdCents) levels.pop();
    levels.push({ thresholdCents: offer.thresholdCents, amountOffCents: offer.amountOffCents });
  }
  return levels;
}

function* combinations(n: number, k: number): Generator<number[]> {
  const current: number[] = [];
  function* walk(start: number): Generator<number[]> {
    if (current.length === k) {
      yield [...current];
      return;
    }
    for (let i = start; i <= n - (k - current.length); i++) {
      current.push(i);
      yield* walk(i + 1);
      current.pop();
    }
  }
  yield* walk(0);
}

/** One (store, option) an item may take inside the current subset, cheapest first. */
interface Candidate {
  slot: number;
  store: number;
  option: number;
  cost: number;
}

interface SubsetItem {
  item: number;
  candidates: Candidate[];
  minCost: number;
  /** Highest option cost per slot (what the item can add to that store's subtotal), -1 = not priced. */
  maxCostBySlot: number[];
}

export function findCheapestStoreSplit(problem: SplitProblem): SplitSolution {
  const itemCount = problem.options.length;
  const storeCount = problem.storeCount;
  const k = Math.min(Math.max(problem.maxStores, 1), storeCount);
  const maxNodes = problem.maxNodes ?? 5_000_000;
  const emptyChoices = (): (LineChoice | null)[] => Array.from({ length: itemCount }, () => null);
  if (storeCount === 0 || itemCount === 0) {
    return { ...evaluateChoices(problem, emptyChoices()), choices: emptyChoices(), nodes: 0 };
  }

  const levelsByStore = Array.from({ length: storeCount }, (_, s) =>
    paretoLevels(problem.spendOffers[s] ?? []),
  );
  const minCost = problem.options.map((row) =>
    Array.from({ length: storeCount }, (_, s) => {
      const options = row[s];
      if (!options || options.length === 0) return Number.POSITIVE_INFINITY;
      let min = Number.POSITIVE_INFINITY;
      for (const option of options) min = Math.min(min, option.costCents);
      return min;
    }),
  );

  // Step 1: subsets of size k, the best-covering ones, ordered by a lower bound.
  const subsets: { stores: number[]; lowerBound: number }[] = [];
  let fewestUncovered = Number.POSITIVE_INFINITY;
  for (const stores of combinations(storeCount, k)) {
    let uncovered = 0;
    let bound = 0;
    for (let i = 0; i < itemCount; i++) {
      let best = Number.POSITIVE_INFINITY;
      for (const s of stores) best = Math.min(best, minCost[i]?.[s] ?? Number.POSITIVE_INFINITY);
      if (best === Number.POSITIVE_INFINITY) uncovered += 1;
      else bound += best;
    }
    if (uncovered > fewestUncovered) continue;
    if (uncovered < fewestUncovered) {
      fewestUncovered = uncovered;
      subsets.length = 0;
    }
    for (const s of stores) {
      const levels = levelsByStore[s] as Level[];
      bound -= (levels[levels.length - 1] as Level).amountOffCents;
    }
    subsets.push({ stores, lowerBound: bound });
  }
  subsets.sort((a, b) => a.lowerBound - b.lowerBound);

  let bestTotal = Number.POSITIVE_INFINITY;
  let bestChoices: (LineChoice | null)[] = emptyChoices();
  let nodes = 0;

  for (const subset of subsets) {
    if (subset.lowerBound >= bestTotal) break;
    const slots = subset.stores;
    const items: SubsetItem[] = [];
    for (let i = 0; i < itemCount; i++) {
      const candidates: Candidate[] = [];
      const maxCostBySlot = slots.map(() => -1);
      slots.forEach((store, slot) => {
        (problem.options[i]?.[store] ?? []).forEach((option, index) => {
          candidates.push({ slot, store, option: index, cost: option.costCents });
          maxCostBySlot[slot] = Math.max(maxCostBySlot[slot] as number, option.costCents);
        });
      });
      if (candidates.length === 0) continue;
      candidates.sort((a, b) => a.cost - b.cost);
      items.push({ item: i, candidates, minCost: (candidates[0] as Candidate).cost, maxCostBySlot });
    }
    const baseCost = items.reduce((sum, entry) => sum + entry.minCost, 0);

    // Step 2: target levels per slot, cheapest bound first.
    const targets: { levels: Level[]; bound: number }[] = [];
    const walkLevels = (slot: number, chosen: Level[]): void => {
      if (slot === slots.length) {
        const off = chosen.reduce((sum, level) => sum + level.amountOffCents, 0);
        targets.push({ levels: [...chosen], bound: baseCost - off });
        return;
      }
      for (const level of levelsByStore[slots[slot] as number] as Level[]) {
        chosen.push(level);
        walkLevels(slot + 1, chosen);
        chosen.pop();
      }
    };
    walkLevels(0, []);
    targets.sort((a, b) => a.bound - b.bound);

    for (const target of targets) {
      if (target.bound >= bestTotal) break;
      const off = baseCost - target.bound;
      const result = solveWithTargets(
        items,
        target.levels.map((level) => level.thresholdCents),
        bestTotal + off,
        () => {
          nodes += 1;
          if (nodes > maxNodes) throw new SplitTooLargeError(maxNodes);
        },
      );
      if (result && result.cost - off < bestTotal) {
        bestTotal = result.cost - off;
        bestChoices = emptyChoices();
        items.forEach((entry, index) => {
          const candidate = entry.candidates[result.picks[index] as number] as Candidate;
          bestChoices[entry.item] = { store: candidate.store, option: candidate.option };
        });
      }
    }
  }

  const evaluated = evaluateChoices(problem, bestChoices);
  return { ...evaluated, choices: bestChoices, nodes };
}

/**
 * Minimum line cost with every slot's subtotal at least its target, below `cutoff` (exclusive);
 * undefined when nothing beats the cutoff. `picks[j]` indexes items[j].candidates.
 */
function solveWithTargets(
  items: SubsetItem[],
  targets: number[],
  cutoff: number,
  countNode: () => void,
): { cost: number; picks: number[] } | undefined {
  const slotCount = targets.length;
  const n = items.length;
  // Greedy first: cheapest option for every item. If it meets every target it is optimal.
  const subtotal = new Array<number>(slotCount).fill(0);
  let greedyCost = 0;
  for (const entry of items) {
    const first = entry.candidates[0] as Candidate;
    subtotal[first.slot] = (subtotal[first.slot] as number) + first.cost;
    greedyCost += first.cost;
  }
  if (greedyCost >= cutoff) return undefined;
  if (subtotal.every((value, slot) => value >= (targets[slot] as number))) {
    return { cost: greedyCost, picks: items.map(() => 0) };
  }

  // Items that can add the most to a constrained slot go first, so infeasibility shows early.
  const order = items
    .map((entry, index) => ({ index, weight: Math.max(...entry.maxCostBySlot) }))
    .sort((a, b) => b.weight - a.weight)
    .map((entry) => entry.index);
  const suffixMin = new Array<number>(n + 1).fill(0);
  const suffixMax = Array.from({ length: slotCount }, () => new Array<number>(n + 1).fill(0));
  for (let j = n - 1; j >= 0; j--) {
    const entry = items[order[j] as number] as SubsetItem;
    suffixMin[j] = (suffixMin[j + 1] as number) + entry.minCost;
    for (let slot = 0; slot < slotCount; slot++) {
      const row = suffixMax[slot] as number[];
      row[j] = (row[j + 1] as number) + Math.max(0, entry.maxCostBySlot[slot] as number);
    }
  }
  // Per slot, every (position, extra cost, contribution) sorted by extra cost per cent contributed,
  // for the fractional-knapsack bound on reaching an unmet target.
  const ratioLists = targets.map((_, slot) => {
    const list: { position: number; extra: number; amount: number }[] = [];
    order.forEach((itemIndex, position) => {
      const entry = items[itemIndex] as SubsetItem;
      for (const candidate of entry.candidates) {
        if (candidate.slot !== slot || candidate.cost <= 0) continue;
        list.push({ position, extra: candidate.cost - entry.minCost, amount: candidate.cost });
      }
    });
    return list.sort((a, b) => a.extra / a.amount - b.extra / b.amount);
  });

  const current = new Array<number>(slotCount).fill(0);
  const picks = new Array<number>(n).fill(0);
  let best: { cost: number; picks: number[] } | undefined;
  let bound = cutoff;

  const reachCost = (position: number): number => {
    let extraTotal = 0;
    for (let slot = 0; slot < slotCount; slot++) {
      let deficit = (targets[slot] as number) - (current[slot] as number);
      if (deficit <= 0) continue;
      if ((suffixMax[slot]?.[position] as number) < deficit) return Number.POSITIVE_INFINITY;
      for (const entry of ratioLists[slot] as { position: number; extra: number; amount: number }[]) {
        if (entry.position < position) continue;
        if (entry.amount >= deficit) {
          extraTotal += (entry.extra * deficit) / entry.amount;
          deficit = 0;
          break;
        }
        extraTotal += entry.extra;
        deficit -= entry.amount;
      }
      if (deficit > 0) return Number.POSITIVE_INFINITY;
    }
    return extraTotal;
  };

  const search = (position: number, cost: number): void => {
    countNode();
    const met = current.every((value, slot) => value >= (targets[slot] as number));
    if (met) {
      // Every target is met: the cheapest option of each remaining item completes optimally.
      const total = cost + (suffixMin[position] as number);
      if (total < bound) {
        for (let j = position; j < n; j++) picks[order[j] as number] = 0;
        bound = total;
        best = { cost: total, picks: [...picks] };
      }
      return;
    }
    if (position === n) return;
    const extra = reachCost(position);
    if (cost + (suffixMin[position] as number) + Math.ceil(extra - 1e-9) >= bound) return;
    const itemIndex = order[position] as number;
    const entry = items[itemIndex] as SubsetItem;
    entry.candidates.forEach((candidate, candidateIndex) => {
      if (cost + candidate.cost + (suffixMin[position + 1] as number) >= bound) return;
      picks[itemIndex] = candidateIndex;
      current[candidate.slot] = (current[candidate.slot] as number) + candidate.cost;
      search(position + 1, cost + candidate.cost);
      current[candidate.slot] = (current[candidate.slot] as number) - candidate.cost;
    });
  };
  search(0, 0);
  return best;
}
