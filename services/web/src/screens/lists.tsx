/** Shopping lists: create, add items, and the cheapest split of a list across up to N stores. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { Field, FormError, Page, QueryState } from '../components/ui';
import { formatDate, formatMoney } from '../format';
import { routes } from '../routes';
import { ScanBarcode } from '../scanner/scan-barcode';

type OptimizePlan = components['schemas']['OptimizePlan'];

const UNPRICED_REASONS: Record<OptimizePlan['unpricedItems'][number]['reason'], string> = {
  'no-price': 'no store has a price for it',
  'free-text': 'written as text, not a known product',
  'not-in-chosen-stores': 'not sold in the chosen stores',
};

/** The optimizer's answer: which store gets which items, coupons applied, and what it saves. */
export function OptimizePlanView({ plan }: { plan: OptimizePlan }) {
  const money = (cents: number) => formatMoney(cents, plan.currency);
  return (
    <section aria-labelledby="plan-title" className="plan">
      <h2 id="plan-title">
        Cheapest plan: {money(plan.totalCents)} at {plan.stores.length} store
        {plan.stores.length === 1 ? '' : 's'}
      </h2>
      {plan.bestSingleStore && plan.savingsVsBestSingleStoreCents !== null && (
        <p>
          {plan.savingsVsBestSingleStoreCents > 0
            ? `Saves ${money(plan.savingsVsBestSingleStoreCents)} against shopping everything at ${plan.bestSingleStore.storeSlug} (${money(plan.bestSingleStore.totalCents)}).`
            : `Shopping everything at ${plan.bestSingleStore.storeSlug} costs the same.`}
        </p>
      )}
      {plan.stores.map((store) => (
        <div key={store.storeSlug} className="card">
          <h3>
            {store.storeSlug}: {money(store.totalCents)}
          </h3>
          <table>
            <caption className="sr-only">Items to buy at {store.storeSlug}</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="num">
                  Qty
                </th>
                <th scope="col" className="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {store.items.map((item) => (
                <tr key={`${item.productId ?? item.text}`}>
                  <td>
                    {item.name ?? item.text}
                    {item.coupon && (
                      <small>
                        {' '}
                        · coupon “{item.coupon.title}” −{money(item.coupon.discountCents)}
                        {item.coupon.requiresClip && !item.coupon.clipped && ' (clip it first)'}
                      </small>
                    )}
                    {item.priceAgeDays > 14 && (
                      <small className="muted"> · price {item.priceAgeDays} days old</small>
                    )}
                  </td>
                  <td className="num">{item.quantity}</td>
                  <td className="num">{money(item.lineCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {store.spendCoupon && (
            <p>
              Coupon “{store.spendCoupon.title}”: −{money(store.spendCoupon.discountCents)}
            </p>
          )}
        </div>
      ))}
      {plan.unpricedItems.length > 0 && (
        <div className="notice">
          <h3>Not in the plan</h3>
          <ul>
            {plan.unpricedItems.map((item) => (
              <li key={`${item.productId ?? item.text}`}>
                {item.text ?? item.productId}: {UNPRICED_REASONS[item.reason]}
              </li>
            ))}
          </ul>
        </div>
      )}
      {plan.oldestPriceObservedAt && (
        <p className="muted">Oldest price used: {formatDate(plan.oldestPriceObservedAt)}.</p>
      )}
    </section>
  );
}

export function ListsScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const lists = useQuery({
    queryKey: ['lists'],
    queryFn: async () => unwrap(await api.GET('/shopping/lists', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST('/shopping/lists', { body: { name, items: [] } })),
    onSuccess: () => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['lists'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Page title="Shopping lists">
      <QueryState query={lists} empty={(page) => page.items.length === 0}>
        {(page) => (
          <ul className="plain">
            {page.items.map((list) => (
              <li key={list.id}>
                <Link to={routes.list(list.id)}>{list.name}</Link>{' '}
                <span className="muted">
                  {list.itemCount} item{list.itemCount === 1 ? '' : 's'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <form onSubmit={submit} className="form">
        <Field
          label="New list"
          required
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <FormError error={create.error} />
        <button type="submit" disabled={create.isPending}>
          Create list
        </button>
      </form>
    </Page>
  );
}

export function ListScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { id = '' } = useParams();
  const [text, setText] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [maxStores, setMaxStores] = useState(2);
  const list = useQuery({
    queryKey: ['lists', id],
    queryFn: async () =>
      unwrap(await api.GET('/shopping/lists/{listId}', { params: { path: { listId: id } } })),
  });
  const [search, setSearch] = useState('');
  const matches = useQuery({
    queryKey: ['products', 'search', search],
    queryFn: async () => unwrap(await api.GET('/products', { params: { query: { q: search, limit: 5 } } })),
    enabled: search.length > 0,
  });
  const addItem = useMutation({
    mutationFn: async (item: { productId: string } | { text: string }) =>
      unwrap(
        await api.POST('/shopping/lists/{listId}/items', {
          params: { path: { listId: id } },
          body: { ...item, quantity: Number(quantity) },
        }),
      ),
    onSuccess: () => {
      setText('');
      setSearch('');
      setQuantity('1');
      void queryClient.invalidateQueries({ queryKey: ['lists'] });
    },
  });
  const removeItem = useMutation({
    mutationFn: async (itemId: string) =>
      unwrap(
        await api.DELETE('/shopping/lists/{listId}/items/{itemId}', {
          params: { path: { listId: id, itemId } },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['lists'] }),
  });
  const optimize = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/shopping/optimize', {
          body: { listId: id, maxStores, useCoupons: true, clippedOnly: false, currency: 'USD' },
        }),
      ),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(text.trim());
  };
  return (
    <QueryState query={list}>
      {(l) => (
        <Page title={l.name}>
          {l.items.length === 0 ? (
            <p className="muted">The list is empty.</p>
          ) : (
            <ul className="plain">
              {l.items.map((item) => (
                <li key={item.id}>
                  {item.quantity} × {item.name ?? item.text}{' '}
                  <button type="button" className="link" onClick={() => removeItem.mutate(item.id)}>
                    Remove<span className="sr-only"> {item.name ?? item.text}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form onSubmit={submit} className="inline-form">
            <Field label="Item" required value={text} onChange={(event) => setText(event.target.value)} />
            <Field
              label="Quantity"
              type="number"
              min={1}
              step={1}
              value={quantity}
              onChange={(event) => setQuantity(event.target.value)}
            />
            <button type="submit" disabled={!text.trim()}>
              Find product
            </button>
          </form>
          <ScanBarcode
            onDetected={(gtin) => {
              setText(gtin);
              setSearch(gtin);
            }}
          />
          {search && (
            <QueryState query={matches}>
              {(page) => (
                <ul className="plain" aria-label="Matching products">
                  {page.items.map((product) => (
                    <li key={product.id}>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => addItem.mutate({ productId: product.id })}
                      >
                        Add {product.name}
                      </button>
                    </li>
                  ))}
                  <li>
                    <button type="button" className="link" onClick={() => addItem.mutate({ text: search })}>
                      Add “{search}” as text (no prices)
                    </button>
                  </li>
                </ul>
              )}
            </QueryState>
          )}
          <FormError error={addItem.error ?? removeItem.error} />
          <h2>Where to buy it</h2>
          <div className="inline-form">
            <label htmlFor="max-stores">At most</label>
            <select
              id="max-stores"
              value={maxStores}
              onChange={(event) => setMaxStores(Number(event.target.value))}
            >
              {[1, 2, 3, 4].map((count) => (
                <option key={count} value={count}>
                  {count} store{count === 1 ? '' : 's'}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => optimize.mutate()}
              disabled={optimize.isPending || l.items.length === 0}
            >
              Find the cheapest split
            </button>
          </div>
          <FormError error={optimize.error} />
          {optimize.data && <OptimizePlanView plan={optimize.data} />}
        </Page>
      )}
    </QueryState>
  );
}
