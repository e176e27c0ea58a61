/** Purchases: the list (filter by store or item text, paged by cursor) and one purchase with its lines. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { unwrap } from '../api/errors';
import { useApi } from '../app-context';
import { FormError, Page, QueryState } from '../components/ui';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { routes } from '../routes';
import { PurchasesCsvExport } from './purchases-export';

export function PurchasesScreen() {
  const api = useApi();
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('');
  const purchases = useInfiniteQuery({
    queryKey: ['purchases', 'list', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/purchases', {
          params: {
            query: { limit: 25, ...(pageParam && { cursor: pageParam }), ...(filter && { text: filter }) },
          },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilter(text.trim());
  };
  const items = purchases.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Page title="Purchases" actions={<Link to={routes.importReceipt}>Import a receipt</Link>}>
      <search>
        <form onSubmit={submit} className="inline-form">
          <label htmlFor="purchase-filter">Item name contains</label>
          <input
            id="purchase-filter"
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
          <button type="submit">Filter</button>
        </form>
      </search>
      <PurchasesCsvExport text={filter} />
      {purchases.isPending ? (
        <p className="muted">Loading…</p>
      ) : purchases.isError ? (
        <FormError error={purchases.error} />
      ) : items.length === 0 ? (
        <p className="muted">No purchases{filter ? ` with “${filter}”` : ''} yet.</p>
      ) : (
        <table>
          <caption className="sr-only">Your purchases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Store</th>
              <th scope="col">Items</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Saved
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((purchase) => (
              <tr key={purchase.id}>
                <td>
                  <Link to={routes.purchase(purchase.id)}>{formatDate(purchase.purchasedAt)}</Link>
                </td>
                <td>{purchase.storeSlug}</td>
                <td>{purchase.itemCount}</td>
                <td className="num">{formatMoney(purchase.totalCents, purchase.currency)}</td>
                <td className="num">{formatMoney(purchase.savingsCents, purchase.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {purchases.hasNextPage && (
        <button
          type="button"
          onClick={() => void purchases.fetchNextPage()}
          disabled={purchases.isFetchingNextPage}
        >
          Show more
        </button>
      )}
    </Page>
  );
}

export function PurchaseScreen() {
  const api = useApi();
  const { id = '' } = useParams();
  const purchase = useQuery({
    queryKey: ['purchases', 'one', id],
    queryFn: async () => unwrap(await api.GET('/purchases/{id}', { params: { path: { id } } })),
  });
  return (
    <Page title="Purchase">
      <QueryState query={purchase}>
        {(p) => (
          <>
            <p>
              {p.storeSlug}, {formatDateTime(p.purchasedAt)}:{' '}
              <strong>{formatMoney(p.totalCents, p.currency)}</strong>
              {p.savingsCents > 0 && <> (saved {formatMoney(p.savingsCents, p.currency)})</>}
            </p>
            {p.parseConfidence !== null && p.parseConfidence < 1 && (
              <p className="notice">
                We read {Math.round(p.parseConfidence * 100)} % of this receipt’s lines;{' '}
                {p.unparsedLines.length} line{p.unparsedLines.length === 1 ? '' : 's'} could not be read.
              </p>
            )}
            <table>
              <caption className="sr-only">Line items</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Paid
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.items.map((item) => (
                  <tr key={item.lineId}>
                    <td>
                      {item.productId ? (
                        <Link to={routes.product(item.productId)}>{item.name}</Link>
                      ) : (
                        item.name
                      )}
                      {item.discountCents > 0 && (
                        <small className="muted"> −{formatMoney(item.discountCents, p.currency)}</small>
                      )}
                    </td>
                    <td className="num">
                      {item.quantity} {item.unit}
                    </td>
                    <td className="num">{formatMoney(item.unitPriceCents, p.currency)}</td>
                    <td className="num">{formatMoney(item.paidCents, p.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {p.unparsedLines.length > 0 && (
              <details>
                <summary>Lines we could not read</summary>
                <pre>{p.unparsedLines.map((line) => `${line.lineNo}: ${line.text}`).join('\n')}</pre>
              </details>
            )}
          </>
        )}
      </QueryState>
    </Page>
  );
}
