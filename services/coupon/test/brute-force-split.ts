/** The cheapest split by trying every choice: the reference the solver is checked against. */
import { evaluateChoices, type LineChoice, type SplitProblem } from '../src/shopping/cheapest-store-split.js';

export function bruteForceSplit(problem: SplitProblem): { uncoveredCount: number; totalCents: number } {
  const itemCount = problem.options.length;
  const perItem: (LineChoice | null)[][] = problem.options.map((row) => {
    const choices: (LineChoice | null)[] = [null];
    row.forEach((options, store) => {
      options?.forEach((_, option) => {
        choices.push({ store, option });
      });
    });
    return choices;
  });
  let best = { uncoveredCount: Number.POSITIVE_INFINITY, totalCents: Number.POSITIVE_INFINITY };
  const current: (LineChoice | null)[] = new Array(itemCount).fill(null);
  const walk = (item: number): void => {
    if (item === itemCount) {
      const used = new Set(current.flatMap((choice) => (choice ? [choice.store] : [])));
      if (used.size > problem.maxStores) return;
      const outcome = evaluateChoices(problem, current);
      if (
        outcome.uncoveredCount < best.uncoveredCount ||
        (outcome.uncoveredCount === best.uncoveredCount && outcome.totalCents < best.totalCents)
      ) {
        best = { uncoveredCount: outcome.uncoveredCount, totalCents: outcome.totalCents };
      }
      return;
    }
    for (const choice of perItem[item] as (LineChoice | null)[]) {
      current[item] = choice;
      walk(item + 1);
    }
    current[item] = null;
  };
  walk(0);
  return best;
}
