/** Product search, and one product: latest price per store, price history per store, a watch button. */
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { type ChartSeries, LineChart } from '../components/line-chart';
import { FormError, Page, QueryState } from '../components/ui';
import { daysAgo, formatDate, formatMoney, formatSize } from '../format';
import { routes } from '../routes';
import { ScanBarcode } from '../scanner/scan-barcode';

export function ProductsScreen() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const products = useQuery({
    queryKey: ['products', 'search', q],
    queryFn: async () => unwrap(await api.GET('/products', { params: { query: { q, limit: 25 } } })),
    enabled: q.length > 0,
  });
  // Before any search: the shopper's own products, most bought first (docs/price-watch.md, "Search").
  const mine = useQuery({
    queryKey: ['products', 'mine'],
    queryFn: async () =>
      unwrap(await api.GET('/products', { params: { query: { mine: 'true', limit: 25 } } })),
    enabled: q.length === 0,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {});
  };
  return (
    <Page title="Products">
      <search>
        <form onSubmit={submit} className="inline-form">
          <label htmlFor="product-search">Search products</label>
          <input
            id="product-search"
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
          <button type="submit">Search</button>
        </form>
        <ScanBarcode
          onDetected={(gtin) => {
            setText(gtin);
            setParams({ q: gtin });
          }}
        />
      </search>
      {q ? (
        <QueryState query={products} empty={(page) => page.items.length === 0}>
          {(page) => <ProductList items={page.items} />}
        </QueryState>
      ) : (
        <section aria-labelledby="my-products">
          <h2 id="my-products">Your products</h2>
          <QueryState query={mine} empty={(page) => page.items.length === 0}>
            {(page) => <ProductList items={page.items} />}
          </QueryState>
        </section>
      )}
    </Page>
  );
}

function ProductList({ items }: { items: components['schemas']['Product'][] }) {
  return (
    <ul className="plain">
      {items.map((product) => (
        <li key={product.id}>
          <Link to={routes.product(product.id)}>{product.name}</Link>{' '}
          <span className="muted">
            {[product.brand, formatSize(product.size), product.category].filter(Boolean).join(' · ')}
          </span>
        </li>
      ))}
    </ul>
  );
}

type PriceSeriesResult = { data?: components['schemas']['PriceSeries'] | undefined };

/**
 * One chart line per store whose history arrived, and how many of the charted prices are the shopper's
 * own (module-level, so TanStack Query keeps its result stable).
 */
function toChartSeries(results: PriceSeriesResult[]): { lines: ChartSeries[]; ownPrices: number } {
  const lines = results.flatMap(({ data }) =>
    data
      ? [
          {
            label: data.store ?? 'all stores',
            points: data.points.map((point) => ({ period: point.period, value: point.avgCents })),
          },
        ]
      : [],
  );
  const ownPrices = results.reduce(
    (sum, { data }) => sum + (data?.points.reduce((own, point) => own + point.ownCount, 0) ?? 0),
    0,
  );
  return { lines, ownPrices };
}

export function ProductScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { id = '' } = useParams();
  const product = useQuery({
    queryKey: ['products', 'one', id],
    queryFn: async () => unwrap(await api.GET('/products/{id}', { params: { path: { id } } })),
  });
  const stores = product.data?.prices.map((price) => price.storeSlug) ?? [];
  const from = daysAgo(365);
  const series = useQueries({
    queries: stores.map((store) => ({
      queryKey: ['products', 'prices', id, store, from],
      queryFn: async () =>
        unwrap(
          await api.GET('/products/{id}/prices', {
            params: { path: { id }, query: { store, from, interval: 'week' } },
          }),
        ),
    })),
    combine: toChartSeries,
  });
  const currency = product.data?.prices[0]?.currency ?? 'USD';
  const formatCents = useCallback((cents: number) => formatMoney(Math.round(cents), currency), [currency]);
  const watch = useMutation({
    mutationFn: async () => unwrap(await api.POST('/watches', { body: { productId: id, dropPct: 5 } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['watches'] }),
  });

  return (
    <QueryState query={product}>
      {(p) => (
        <Page
          title={p.name}
          actions={
            <button
              type="button"
              onClick={() => watch.mutate()}
              disabled={watch.isPending || watch.isSuccess}
            >
              {watch.isSuccess ? 'Watching' : 'Watch this product'}
            </button>
          }
        >
          <p className="muted">{[p.brand, formatSize(p.size), p.category].filter(Boolean).join(' · ')}</p>
          <FormError error={watch.error} />
          {watch.isSuccess && (
            <p role="status">
              You will get an alert when its price drops 5 % or more.{' '}
              <Link to={routes.watches}>Your watches</Link>
            </p>
          )}
          <h2>Latest prices</h2>
          {p.prices.length === 0 ? (
            <p className="muted">No store price recorded yet.</p>
          ) : (
            <table>
              <caption className="sr-only">Latest price per store</caption>
              <thead>
                <tr>
                  <th scope="col">Store</th>
                  <th scope="col" className="num">
                    Price
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col">Seen</th>
                </tr>
              </thead>
              <tbody>
                {p.prices.map((price) => (
                  <tr key={`${price.storeSlug}-${price.currency}`}>
                    <td>
                      {price.storeSlug}
                      {price.storeSlug === p.cheapestStore && <strong> (cheapest)</strong>}
                    </td>
                    <td className="num">
                      {formatMoney(price.priceCents, price.currency)}
                      {price.isSale && <small> sale</small>}
                    </td>
                    <td className="num">
                      {price.unitPrice
                        ? `${formatMoney(price.unitPrice.amountCents, price.unitPrice.currency)} / ${formatSize(price.unitPrice.per)}`
                        : '–'}
                    </td>
                    <td>{formatDate(price.observedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p>
            <Link to={`${routes.storeComparison}?productIds=${p.id}`}>Compare stores</Link>
          </p>
          <h2>Price history</h2>
          <LineChart
            series={series.lines}
            formatValue={formatCents}
            title={`Weekly average price of ${p.name} per store, last 12 months`}
          />
          <p className="muted">
            {series.ownPrices > 0 && `Includes ${series.ownPrices} of your own receipt prices. `}
            Other shoppers’ prices count only once the store or several shoppers confirm them.
          </p>
        </Page>
      )}
    </QueryState>
  );
}
