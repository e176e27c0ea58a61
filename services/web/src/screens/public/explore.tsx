/**
 * Public pages, no sign-in: food inflation against the official CPI, a store comparison of chosen
 * products, and the shrinkflation list. Their requests carry no token, so the service worker may keep
 * them for offline reading; offline, each page says so with the date of the copy it shows.
 */
import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { type ChartSeries, LineChart } from '../../components/line-chart';
import { OfflineNotice, oldestServed, servedAt } from '../../components/offline';
import { ShrinkflationTable } from '../../components/shrinkflation-table';
import { FormError, Page, QueryState } from '../../components/ui';
import { formatMoney, formatPercent } from '../../format';

type Category = components['schemas']['Inflation']['category'];
const CATEGORIES: Record<Category, string> = {
  'food-at-home': 'Food at home',
  'cereals-bakery': 'Cereals and bakery',
  'meat-poultry-fish-eggs': 'Meat, poultry, fish, eggs',
  dairy: 'Dairy',
  'fruits-vegetables': 'Fruits and vegetables',
  beverages: 'Beverages',
  'other-food': 'Other food',
  'all-items': 'All items',
};

/** The last `count` months before `now`, oldest first, as `YYYY-MM`. */
export function lastMonths(count: number, now = new Date()): string[] {
  return Array.from({ length: count }, (_, index) => {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - index), 1));
    return date.toISOString().slice(0, 7);
  });
}

const formatPct = (value: number) => formatPercent(value);

type InflationResult = {
  data?: (components['schemas']['Inflation'] & { servedAt: string | null }) | null | undefined;
  isPending: boolean;
  error: unknown;
};

/** CPI and basket year-over-year change per month, as two chart lines (months without data are gaps). */
function toInflationChart(results: InflationResult[]) {
  const rows = results.flatMap((result) => (result.data ? [result.data] : []));
  const line = (label: string, pick: (row: (typeof rows)[number]) => number | null): ChartSeries => ({
    label,
    points: rows.flatMap((row) => {
      const value = pick(row);
      return value === null ? [] : [{ period: `${row.period}-01`, value }];
    }),
  });
  return {
    pending: results.some((result) => result.isPending),
    error: results.find((result) => result.error)?.error,
    method: rows.at(-1)?.method,
    servedAt: oldestServed(rows.map((row) => row.servedAt)),
    series: [
      line('Official CPI', (row) => row.cpi.yoyPct),
      line('CartWatch prices', (row) => row.basket.yoyPct),
    ],
  };
}

export function InflationScreen() {
  const api = useApi();
  const [category, setCategory] = useState<Category>('food-at-home');
  const months = useMemo(() => lastMonths(12), []);
  const inflation = useQueries({
    queries: months.map((period) => ({
      queryKey: ['public', 'inflation', category, period],
      queryFn: async () => {
        const result = await api.GET('/public/inflation', { params: { query: { period, category } } });
        try {
          return { ...unwrap(result), servedAt: servedAt(result.response) };
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return null; // no CPI for that month yet
          throw error;
        }
      },
    })),
    combine: toInflationChart,
  });
  return (
    <Page title="Food inflation">
      <p>
        Year-over-year price change of what CartWatch users buy, against the official consumer price index for
        the same category.
      </p>
      <OfflineNotice savedAt={inflation.servedAt}>
        Months not opened before show once you are back online.
      </OfflineNotice>
      <div className="inline-form">
        <label htmlFor="inflation-category">Category</label>
        <select
          id="inflation-category"
          value={category}
          onChange={(event) => setCategory(event.target.value as Category)}
        >
          {Object.entries(CATEGORIES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <FormError error={inflation.error} />
      {inflation.pending ? (
        <p className="muted">Loading…</p>
      ) : (
        <LineChart
          series={inflation.series}
          formatValue={formatPct}
          title={`${CATEGORIES[category]}: change on a year earlier, in %`}
        />
      )}
      {inflation.method && <p className="muted">Method: {inflation.method}</p>}
    </Page>
  );
}

/** At most this many products per comparison (`/public/store-comparison`, docs/price-watch.md). */
const MAX_COMPARED = 20;

/**
 * The products a visitor without an account can pick: those named in public shrinkflation findings, the
 * only public list of products (the product search needs an account). Each finding's shrunk product, and
 * its smaller successor when a new GTIN replaced it.
 */
function usePublicProducts() {
  const api = useApi();
  return useQuery({
    queryKey: ['public', 'shrinkflation', 'products'],
    queryFn: async () => {
      const result = await api.GET('/public/shrinkflation', { params: { query: { limit: 100 } } });
      const page = unwrap(result);
      const products = new Map<string, string>();
      for (const item of page.items) {
        products.set(item.productId, `${item.name}${item.brand ? ` (${item.brand})` : ''}`);
        if (item.successorProductId && item.successorName)
          products.set(item.successorProductId, `${item.successorName} (new pack)`);
      }
      return {
        products: [...products].map(([id, name]) => ({ id, name })),
        servedAt: servedAt(result.response),
      };
    },
  });
}

export function StoreComparisonScreen() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const productIds = params.get('productIds') ?? '';
  const chosen = productIds ? productIds.split(',') : [];
  const products = usePublicProducts();
  const toggle = (id: string, on: boolean) => {
    const next = on ? [...chosen, id].slice(0, MAX_COMPARED) : chosen.filter((other) => other !== id);
    setParams(next.length > 0 ? { productIds: next.join(',') } : {}, { replace: true });
  };
  const comparison = useQuery({
    queryKey: ['public', 'store-comparison', productIds],
    queryFn: async () => {
      const result = await api.GET('/public/store-comparison', { params: { query: { productIds } } });
      return { ...unwrap(result), servedAt: servedAt(result.response) };
    },
    enabled: productIds.length > 0,
  });
  const names = new Map((products.data?.products ?? []).map((product) => [product.id, product.name]));
  return (
    <Page title="Compare stores">
      <p>
        What the chosen products cost together in each store, at each store's shared price (see the method
        below). Without an account you can pick among the products of the public shrinkflation findings; with
        one, open any product and choose “Compare stores”.
      </p>
      <OfflineNotice
        savedAt={oldestServed([products.data?.servedAt, productIds ? comparison.data?.servedAt : undefined])}
      >
        Choices not compared before show once you are back online.
      </OfflineNotice>
      <QueryState query={products} empty={(data) => data.products.length === 0}>
        {({ products: data }) => (
          <fieldset>
            <legend>Products to compare (up to {MAX_COMPARED})</legend>
            {data.map((product) => (
              <div key={product.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={chosen.includes(product.id)}
                    disabled={!chosen.includes(product.id) && chosen.length >= MAX_COMPARED}
                    onChange={(event) => toggle(product.id, event.target.checked)}
                  />{' '}
                  {product.name}
                </label>
              </div>
            ))}
          </fieldset>
        )}
      </QueryState>
      {!productIds ? (
        <p className="muted">Choose at least one product to see the stores.</p>
      ) : (
        <QueryState query={comparison}>
          {(data) =>
            data.stores.length === 0 ? (
              <p className="muted">
                No store has a shared price for{' '}
                {data.productIds.length === 1 ? 'this product' : 'these products'} yet.
              </p>
            ) : (
              <table>
                <caption>
                  The latest price of {data.productIds.length} product
                  {data.productIds.length === 1 ? '' : 's'} per store
                  {data.cheapestCompleteStore && `; cheapest with everything: ${data.cheapestCompleteStore}`}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Store</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col">Missing</th>
                  </tr>
                </thead>
                <tbody>
                  {data.stores.map((store) => (
                    <tr key={`${store.storeSlug}-${store.currency}`}>
                      <td>{store.storeSlug}</td>
                      <td className="num">{formatMoney(store.totalCents, store.currency)}</td>
                      <td>
                        {store.missingProductIds.length === 0
                          ? '–'
                          : store.missingProductIds.map((id) => names.get(id) ?? 'a product').join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      )}
      <p className="muted">
        Method: each store's total adds up its shared price of each chosen product, per currency: the newer of
        the store's own latest price and the median of at least three shoppers' receipts from the last 90 days
        (prices far from the others left out). A store without a shared price for a product names it rather
        than guessing; stores with every product come first, then by total.
      </p>
    </Page>
  );
}

export function ShrinkflationScreen() {
  const api = useApi();
  const events = useInfiniteQuery({
    queryKey: ['public', 'shrinkflation'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const result = await api.GET('/public/shrinkflation', {
        params: { query: { limit: 25, ...(pageParam && { cursor: pageParam }) } },
      });
      return { ...unwrap(result), servedAt: servedAt(result.response) };
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Page title="Shrinkflation">
      <p>Products whose pack got smaller while the price did not follow.</p>
      <OfflineNotice savedAt={oldestServed(events.data?.pages.map((page) => page.servedAt) ?? [])}>
        More findings show once you are back online.
      </OfflineNotice>
      <FormError error={events.error} />
      {events.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No shrinkflation found yet.</p>
      ) : (
        <ShrinkflationTable items={items} caption="Shrunk products, newest first" />
      )}
      {events.hasNextPage && (
        <button type="button" onClick={() => void events.fetchNextPage()}>
          Show more
        </button>
      )}
      <p className="muted">
        Method: a pack counts as shrunk when a product's regular (non-sale) size in a store dropped (by
        default by at least 0.5 %, seen at least twice) while its price per unit rose; prices are the medians
        of the regular prices before and after, so sales and one odd price do not count. A new, smaller
        product that replaced the old one in the same store counts too. Listed are findings a reviewer
        confirmed, or found with high confidence from independent shoppers' evidence.
      </p>
    </Page>
  );
}
