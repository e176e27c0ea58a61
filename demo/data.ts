/**
 * Realistic, deterministic grocery receipts: the demo seeder (demo/seed.ts) and the end-to-end shopper
 * journey (tests/e2e/test/shopper-journey.test.ts) build their receipts here. Prices rise gradually
 * (a yearly rate per item and a price level per store), one product shrinks at an unchanged price, and
 * every choice comes from a seeded pseudo-random generator, so the same options give the same receipts.
 */

export type SizeUnit = 'g' | 'kg' | 'oz' | 'lb' | 'ml' | 'l' | 'fl_oz' | 'ct' | 'pk';

export interface GroceryItem {
  key: string;
  name: string;
  brand: string;
  category: string;
  gtin: string;
  size: { value: number; unit: SizeUnit };
  /** Shelf price at a store with price level 1 at the start of the history. */
  basePriceCents: number;
  /** Yearly price rise, e.g. 0.06 for 6 %/year; 0 keeps the price flat. */
  yearlyRise: number;
}

export interface DemoStore {
  slug: string;
  name: string;
  /** Price level against the base prices, e.g. 0.93 for a discounter. */
  priceLevel: number;
}

/** The JSON body of `POST /receipts` (receipt-ingest's ReceiptInput). */
export interface ReceiptLine {
  name: string;
  gtin: string;
  brand: string;
  category: string;
  quantity: number;
  unitPriceCents: number;
  regularPriceCents?: number;
  size: { value: number; unit: SizeUnit };
}
export interface Receipt {
  storeSlug: string;
  purchasedAt: string;
  currency: 'USD';
  retailerReceiptId: string;
  items: ReceiptLine[];
}

/** A pack that shrinks from `at` on (same shelf price: the item should have yearlyRise 0). */
export interface Shrink {
  key: string;
  at: Date;
  size: { value: number; unit: SizeUnit };
}

export interface ReceiptPlan {
  items: readonly GroceryItem[];
  stores: readonly DemoStore[];
  /** The first visit; visits follow every `everyDays` days, the stores taking turns. */
  start: Date;
  visits: number;
  everyDays: number;
  seed: number;
  /** How many different items a receipt has (all of them when absent). */
  itemsPerReceipt?: number;
  /** Chance that a line is on sale (15 % off, with its regular price); 0 when absent. */
  saleChance?: number;
  shrink?: Shrink;
}

const DAY_MS = 86_400_000;

/** Mulberry32: a small, fast, seedable generator; good enough for demo data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A GTIN-13 from 12 digits: the body plus its check digit (weights 3 and 1 from the right). */
export function gtin13(body: string): string {
  if (!/^\d{12}$/.test(body)) throw new Error(`a GTIN-13 body has 12 digits: ${body}`);
  let sum = 0;
  for (let index = 0; index < 12; index++) sum += Number(body[11 - index]) * (index % 2 === 0 ? 3 : 1);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Shelf price of an item at a store on a day: base x store level x yearly rise, ending in 9. */
export function shelfPriceCents(item: GroceryItem, store: DemoStore, start: Date, day: Date): number {
  const years = (day.getTime() - start.getTime()) / (365 * DAY_MS);
  const exact = item.basePriceCents * store.priceLevel * (1 + item.yearlyRise) ** years;
  return Math.max(9, Math.floor(exact / 10) * 10 + 9);
}

/** One receipt line; the receipt-ingest JSON shape. */
export function receiptLine(
  item: GroceryItem,
  unitPriceCents: number,
  quantity = 1,
  size = item.size,
): ReceiptLine {
  return {
    name: item.name,
    gtin: item.gtin,
    brand: item.brand,
    category: item.category,
    quantity,
    unitPriceCents,
    size,
  };
}

/** What a receipt costs: the sum of quantity x unit price of its lines, in cents. */
export function receiptTotalCents(receipt: Receipt): number {
  return receipt.items.reduce((sum, line) => sum + Math.round(line.quantity * line.unitPriceCents), 0);
}

/** Visits in time order, the stores taking turns, each receipt a seeded pick of items and quantities. */
export function buildReceipts(plan: ReceiptPlan): Receipt[] {
  const random = seededRandom(plan.seed);
  const receipts: Receipt[] = [];
  for (let visit = 0; visit < plan.visits; visit++) {
    const store = plan.stores[visit % plan.stores.length] as DemoStore;
    // Shopping happens between 9:00 and 20:00 UTC.
    const day = new Date(plan.start.getTime() + visit * plan.everyDays * DAY_MS);
    day.setUTCHours(9 + Math.floor(random() * 11), Math.floor(random() * 60), 0, 0);
    const count = Math.min(plan.itemsPerReceipt ?? plan.items.length, plan.items.length);
    const picked = [...plan.items]
      .map((item) => ({ item, order: random() }))
      .sort((a, b) => a.order - b.order)
      .slice(0, count)
      .map(({ item }) => item)
      .sort((a, b) => a.key.localeCompare(b.key));
    const items = picked.map((item) => {
      const quantity = 1 + Math.floor(random() * 3);
      const shelf = shelfPriceCents(item, store, plan.start, day);
      const shrunk = plan.shrink?.key === item.key && day >= plan.shrink.at;
      const line = receiptLine(item, shelf, quantity, shrunk ? plan.shrink?.size : item.size);
      if (random() < (plan.saleChance ?? 0)) {
        return { ...line, unitPriceCents: Math.round(shelf * 0.85), regularPriceCents: shelf };
      }
      return line;
    });
    receipts.push({
      storeSlug: store.slug,
      purchasedAt: day.toISOString(),
      currency: 'USD',
      retailerReceiptId: `${store.slug}-${plan.seed}-${visit}`,
      items,
    });
  }
  return receipts;
}

/** A grocery assortment; `gtinPrefix` (7 digits) keeps the GTINs of different callers apart. */
export function groceryItems(gtinPrefix = '2004100'): GroceryItem[] {
  const rows: Array<Omit<GroceryItem, 'gtin'>> = [
    item('whole-milk', 'Whole Milk', 'Meadow Gold', 'dairy', 1, 'l', 149, 0.05),
    item('eggs', 'Large Brown Eggs', 'Happy Hen', 'dairy', 12, 'ct', 329, 0.08),
    item('butter', 'Salted Butter', 'Kerrygold', 'dairy', 8, 'oz', 449, 0.06),
    item('cereal', 'Crunchy Oat Cereal', 'Oatly Farms', 'cereal', 16, 'oz', 399, 0),
    item('coffee', 'Ground Coffee Medium Roast', 'Roastery', 'coffee', 12, 'oz', 899, 0.09),
    item('bread', 'Whole Wheat Bread', 'Baker Street', 'bakery', 24, 'oz', 349, 0.04),
    item('bananas', 'Bananas', 'Chiquita', 'produce', 1, 'lb', 69, 0.03),
    item('apples', 'Gala Apples', 'Orchard Fresh', 'produce', 3, 'lb', 499, 0.04),
    item('pasta', 'Spaghetti', 'Barilla', 'pantry', 16, 'oz', 189, 0.05),
    item('tomato-sauce', 'Marinara Sauce', "Rao's", 'pantry', 24, 'oz', 699, 0.05),
    item('rice', 'Jasmine Rice', 'Golden Grain', 'pantry', 2, 'lb', 429, 0.03),
    item('chicken', 'Chicken Breast', 'Farm Pride', 'meat', 1.5, 'lb', 899, 0.07),
    item('yogurt', 'Greek Yogurt Plain', 'Fage', 'dairy', 32, 'oz', 629, 0.05),
    item('orange-juice', 'Orange Juice', 'Tropicana', 'beverages', 52, 'fl_oz', 459, 0.1),
    item('chips', 'Sea Salt Potato Chips', 'Kettle', 'snacks', 8, 'oz', 429, 0.06),
    item('chocolate', 'Dark Chocolate 70%', 'Lindt', 'snacks', 100, 'g', 349, 0.12),
    item('olive-oil', 'Extra Virgin Olive Oil', 'Colavita', 'pantry', 500, 'ml', 999, 0.15),
    item('detergent', 'Laundry Detergent', 'Tide', 'household', 92, 'fl_oz', 1399, 0.04),
  ];
  return rows.map((row, index) => ({
    ...row,
    gtin: gtin13(`${gtinPrefix}${String(index + 1).padStart(5, '0')}`),
  }));
}

function item(
  key: string,
  name: string,
  brand: string,
  category: string,
  sizeValue: number,
  sizeUnit: SizeUnit,
  basePriceCents: number,
  yearlyRise: number,
): Omit<GroceryItem, 'gtin'> {
  return {
    key,
    name,
    brand,
    category,
    size: { value: sizeValue, unit: sizeUnit },
    basePriceCents,
    yearlyRise,
  };
}
