/**
 * Shopping at a CartWatch store location: browse its catalog, fill the cart there, and check out
 * (`POST /orders` with an Idempotency-Key, then `POST /orders/{id}/pay`, which starts the payment the
 * order screen completes).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { Field, FormError, Page, QueryState } from '../components/ui';
import { formatMoney } from '../format';
import { routes } from '../routes';
import { ScanBarcode } from '../scanner/scan-barcode';

type CatalogItem = components['schemas']['CatalogItem'];

/** A fresh key per checkout attempt: a retried request (same key) never places a second order. */
export function newIdempotencyKey(): string {
  return `checkout-${crypto.randomUUID()}`;
}

/** Store locations to shop at. */
export function ShopScreen() {
  const api = useApi();
  const locations = useQuery({
    queryKey: ['catalog', 'locations'],
    queryFn: async () => unwrap(await api.GET('/catalog/locations', { params: { query: { limit: 100 } } })),
  });
  return (
    <Page title="Shop">
      <p className="muted">Choose a store to browse its shelves and order for pick-up or delivery.</p>
      <QueryState query={locations} empty={(page) => page.items.length === 0}>
        {(page) => (
          <ul className="plain">
            {page.items.map((location) => (
              <li key={location.id}>
                <Link to={routes.store(location.id)}>{location.name}</Link>{' '}
                <span className="muted">({location.currency})</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Page>
  );
}

function AddToCart({ item }: { item: CatalogItem }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/cart/items', {
          body: { locationId: item.locationId, productId: item.productId, quantity: 1 },
        }),
      ),
    onSuccess: (cart) => queryClient.setQueryData(['cart', item.locationId], cart),
  });
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => add.mutate()}
        disabled={add.isPending || item.available < 1}
      >
        {item.available < 1 ? 'Out of stock' : 'Add to cart'}
        <span className="sr-only">: {item.name}</span>
      </button>
      {add.isSuccess && <span className="muted"> Added.</span>}
      <FormError error={add.error} />
    </>
  );
}

/** One location's catalog, searchable, with add-to-cart. */
export function StoreScreen() {
  const api = useApi();
  const { locationId = '' } = useParams();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const catalog = useQuery({
    queryKey: ['catalog', locationId, q],
    queryFn: async () =>
      unwrap(
        await api.GET('/catalog', {
          params: { query: { location: locationId, limit: 100, ...(q ? { q } : {}) } },
        }),
      ),
  });
  const cart = useCart(locationId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQ(search.trim());
  };
  return (
    <Page
      title="Store catalog"
      actions={<Link to={routes.cart(locationId)}>Cart{cart.data ? ` (${cart.data.itemCount})` : ''}</Link>}
    >
      <search>
        <form onSubmit={submit} className="inline-form">
          <Field
            label="Search the catalog"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <button type="submit">Search</button>
        </form>
        <ScanBarcode
          onDetected={(gtin) => {
            setSearch(gtin);
            setQ(gtin);
          }}
        />
      </search>
      <QueryState query={catalog} empty={(page) => page.items.length === 0}>
        {(page) => (
          <table>
            <caption className="sr-only">Items in this store</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  In stock
                </th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <Link to={routes.product(item.productId)}>{item.name}</Link>
                    {item.brand && <span className="muted"> {item.brand}</span>}
                  </td>
                  <td className="num">{formatMoney(item.priceCents, item.currency)}</td>
                  <td className="num">{item.available}</td>
                  <td>
                    <AddToCart item={item} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </Page>
  );
}

function useCart(locationId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['cart', locationId],
    queryFn: async () => unwrap(await api.GET('/cart', { params: { query: { location: locationId } } })),
    enabled: locationId !== '',
  });
}

/** The cart at one location: quantities, removal, and checkout with payment. */
export function CartScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { locationId = '' } = useParams();
  const cart = useCart(locationId);
  const [checkoutKey, setCheckoutKey] = useState(newIdempotencyKey);
  const setQuantity = useMutation({
    mutationFn: async ({ id, quantity }: { id: string; quantity: number }) =>
      quantity === 0
        ? unwrap(await api.DELETE('/cart/items/{id}', { params: { path: { id } } }))
        : unwrap(await api.PATCH('/cart/items/{id}', { params: { path: { id } }, body: { quantity } })),
    onSuccess: (next) => queryClient.setQueryData(['cart', locationId], next),
  });
  const checkout = useMutation({
    mutationFn: async () => {
      const order = unwrap(
        await api.POST('/orders', {
          params: { header: { 'idempotency-key': checkoutKey } },
          body: { locationId },
        }),
      );
      return unwrap(await api.POST('/orders/{id}/pay', { params: { path: { id: order.id } }, body: {} }));
    },
    onSuccess: (payment) => {
      setCheckoutKey(newIdempotencyKey());
      void queryClient.invalidateQueries({ queryKey: ['cart', locationId] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void navigate(routes.order(payment.order.id), { state: { payment } });
    },
  });
  return (
    <Page title="Cart" actions={<Link to={routes.store(locationId)}>Back to the store</Link>}>
      <QueryState query={cart} empty={(data) => data.items.length === 0}>
        {(data) => (
          <>
            <table>
              <caption className="sr-only">Items in your cart</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="num">
                    Each
                  </th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((line) => (
                  <tr key={line.id}>
                    <td>
                      {line.name}
                      {line.available < line.quantity && (
                        <span className="field-error"> only {line.available} in stock</span>
                      )}
                    </td>
                    <td className="num">{formatMoney(line.unitPriceCents, data.currency)}</td>
                    <td className="num">
                      <button
                        type="button"
                        className="link"
                        aria-label={`One less ${line.name}`}
                        disabled={setQuantity.isPending}
                        onClick={() => setQuantity.mutate({ id: line.id, quantity: line.quantity - 1 })}
                      >
                        −
                      </button>{' '}
                      {line.quantity}{' '}
                      <button
                        type="button"
                        className="link"
                        aria-label={`One more ${line.name}`}
                        disabled={setQuantity.isPending}
                        onClick={() => setQuantity.mutate({ id: line.id, quantity: line.quantity + 1 })}
                      >
                        +
                      </button>
                    </td>
                    <td className="num">{formatMoney(line.lineTotalCents, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={3}>
                    Subtotal
                  </th>
                  <td className="num">{formatMoney(data.subtotalCents, data.currency)}</td>
                </tr>
              </tfoot>
            </table>
            <FormError error={setQuantity.error} />
            <FormError error={checkout.error} />
            <button type="button" onClick={() => checkout.mutate()} disabled={checkout.isPending}>
              Place order and pay {formatMoney(data.subtotalCents, data.currency)}
            </button>
          </>
        )}
      </QueryState>
    </Page>
  );
}
