/**
 * Admin catalog and stock (orders service): store locations, a location's items (inactive and deleted
 * ones too), adding an item by GTIN, and per item its price (`PATCH /catalog/items/{id}`), units on hand
 * (`POST /inventory/items/{id}/adjustments`, never below reserved units), active flag and deletion.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { formatMoney } from '../../format';
import { parseMoneyInput } from '../watches';
import { issueAt, LocationPicker, PagedItems, SelectField, useLocationParam, usePages } from './admin-ui';

type CatalogItem = components['schemas']['CatalogItem'];
type CreateCatalogItem = components['schemas']['CreateCatalogItem'];

/** Money as an admin types it in a form: `3.5` -> `3.50`. */
export function moneyInput(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** The adjustment that takes units on hand from `current` to `target`, or why there is none. */
export function stockAdjustment(
  current: number,
  targetText: string,
): { delta: number } | { problem: string } {
  const trimmed = targetText.trim();
  if (!/^\d+$/.test(trimmed)) return { problem: 'Write the number of units on hand, like 24.' };
  const delta = Number(trimmed) - current;
  if (delta === 0) return { problem: `There are already ${current} units on hand.` };
  return { delta };
}

export function itemStatus(item: CatalogItem): string {
  if (item.deletedAt) return 'Deleted';
  return item.active ? 'On sale' : 'Not on sale';
}

function NewLocationForm({ onCreated }: { onCreated: (locationId: string) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [storeSlug, setStoreSlug] = useState('');
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/catalog/locations', {
          body: { storeSlug, name: name.trim(), currency: currency.trim().toUpperCase() },
        }),
      ),
    onSuccess: (location) => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['catalog', 'locations'] });
      onCreated(location.id);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <details>
      <summary>Add a store location</summary>
      <form onSubmit={submit} className="form" noValidate>
        <SelectField
          label="Retailer"
          value={storeSlug}
          onChange={(event) => setStoreSlug(event.target.value)}
          error={issueAt(create.error, 'storeSlug')}
        >
          <option value="">Choose a retailer…</option>
          {stores.data?.items.map((store) => (
            <option key={store.slug} value={store.slug}>
              {store.name}
            </option>
          ))}
        </SelectField>
        <Field
          label="Location name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={issueAt(create.error, 'name')}
        />
        <Field
          label="Location currency"
          maxLength={3}
          value={currency}
          onChange={(event) => setCurrency(event.target.value)}
          error={issueAt(create.error, 'currency')}
        />
        <FormError error={create.error} fieldPaths={['storeSlug', 'name', 'currency']} />
        <button type="submit" disabled={create.isPending}>
          Add location
        </button>
      </form>
    </details>
  );
}

const itemFieldPaths = ['gtin', 'productId', 'name', 'brand', 'priceCents', 'onHand'] as const;

function AddItemForm({ locationId }: { locationId: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [gtin, setGtin] = useState('');
  const [name, setName] = useState('');
  const [brand, setBrand] = useState('');
  const [price, setPrice] = useState('');
  const [onHand, setOnHand] = useState('0');
  const [problems, setProblems] = useState<Partial<Record<(typeof itemFieldPaths)[number], string>>>({});
  const [added, setAdded] = useState<string>();
  const add = useMutation({
    mutationFn: async (body: CreateCatalogItem) => unwrap(await api.POST('/catalog/items', { body })),
    onSuccess: (item) => {
      setAdded(item.name);
      setGtin('');
      setName('');
      setBrand('');
      setPrice('');
      setOnHand('0');
      void queryClient.invalidateQueries({ queryKey: ['catalog', 'admin', locationId] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(undefined);
    const priceCents = parseMoneyInput(price);
    const units = onHand.trim() === '' ? 0 : Number(onHand.trim());
    const local: typeof problems = {};
    if (priceCents === undefined || Number.isNaN(priceCents)) local.priceCents = 'Write the price like 3.99.';
    if (!/^\d+$/.test(onHand.trim() || '0')) local.onHand = 'Write a whole number of units.';
    setProblems(local);
    if (Object.keys(local).length > 0 || priceCents === undefined) return;
    add.mutate({
      locationId,
      ...(gtin.trim() ? { gtin: gtin.trim() } : {}),
      name: name.trim(),
      ...(brand.trim() ? { brand: brand.trim() } : {}),
      priceCents,
      onHand: units,
      active: true,
    });
  };
  const error = (path: (typeof itemFieldPaths)[number]) => problems[path] ?? issueAt(add.error, path);
  return (
    <form onSubmit={submit} className="form" noValidate>
      <h2>Add an item</h2>
      <Field
        label="GTIN"
        inputMode="numeric"
        hint="The barcode digits (8 to 14). CartWatch finds or creates the product for it."
        value={gtin}
        onChange={(event) => setGtin(event.target.value)}
        error={error('gtin') ?? error('productId')}
      />
      <Field
        label="Name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={error('name')}
      />
      <Field
        label="Brand (optional)"
        value={brand}
        onChange={(event) => setBrand(event.target.value)}
        error={error('brand')}
      />
      <Field
        label="Price"
        inputMode="decimal"
        value={price}
        onChange={(event) => setPrice(event.target.value)}
        error={error('priceCents')}
      />
      <Field
        label="Units on hand"
        inputMode="numeric"
        value={onHand}
        onChange={(event) => setOnHand(event.target.value)}
        error={error('onHand')}
      />
      <FormError error={add.error} fieldPaths={itemFieldPaths} />
      <p role="status">{added ? `Added ${added}.` : ''}</p>
      <button type="submit" disabled={add.isPending}>
        Add item
      </button>
    </form>
  );
}

function ItemEditor({ item, onDone }: { item: CatalogItem; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [price, setPrice] = useState(moneyInput(item.priceCents));
  const [units, setUnits] = useState(String(item.onHand));
  const [reason, setReason] = useState('Stock count');
  const [problem, setProblem] = useState<{ price?: string; units?: string }>({});
  const [saved, setSaved] = useState<string>();
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: ['catalog', 'admin', item.locationId] });
  const patch = useMutation({
    mutationFn: async (body: components['schemas']['UpdateCatalogItem']) =>
      unwrap(await api.PATCH('/catalog/items/{id}', { params: { path: { id: item.id } }, body })),
    onSuccess: (updated) => {
      setSaved(
        `Saved: ${formatMoney(updated.priceCents, updated.currency)}, ${itemStatus(updated).toLowerCase()}.`,
      );
      refresh();
    },
  });
  const adjust = useMutation({
    mutationFn: async (delta: number) =>
      unwrap(
        await api.POST('/inventory/items/{id}/adjustments', {
          params: { path: { id: item.id } },
          body: { delta, reason: reason.trim() },
        }),
      ),
    onSuccess: (updated) => {
      setSaved(`Saved: ${updated.onHand} units on hand, ${updated.available} available.`);
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async () =>
      item.deletedAt
        ? unwrap(await api.POST('/catalog/items/{id}/restore', { params: { path: { id: item.id } } }))
        : unwrap(await api.DELETE('/catalog/items/{id}', { params: { path: { id: item.id } } })),
    onSuccess: () => {
      refresh();
      onDone();
    },
  });
  const savePrice = (event: FormEvent) => {
    event.preventDefault();
    setSaved(undefined);
    const cents = parseMoneyInput(price);
    if (cents === undefined || Number.isNaN(cents)) {
      setProblem({ price: 'Write the price like 3.99.' });
      return;
    }
    setProblem({});
    patch.mutate({ priceCents: cents });
  };
  const saveStock = (event: FormEvent) => {
    event.preventDefault();
    setSaved(undefined);
    const result = stockAdjustment(item.onHand, units);
    if ('problem' in result) {
      setProblem({ units: result.problem });
      return;
    }
    setProblem({});
    adjust.mutate(result.delta);
  };
  return (
    <section className="card" aria-labelledby="item-editor-title">
      <h2 id="item-editor-title">Edit {item.name}</h2>
      <div className="grid">
        <form onSubmit={savePrice} className="form" noValidate>
          <Field
            label="New price"
            inputMode="decimal"
            value={price}
            onChange={(event) => setPrice(event.target.value)}
            error={problem.price ?? issueAt(patch.error, 'priceCents')}
          />
          <button type="submit" disabled={patch.isPending}>
            Save price
          </button>
        </form>
        <form onSubmit={saveStock} className="form" noValidate>
          <Field
            label="Units on hand"
            inputMode="numeric"
            hint={`${item.reserved} reserved by open orders; it cannot go below that.`}
            value={units}
            onChange={(event) => setUnits(event.target.value)}
            error={problem.units ?? issueAt(adjust.error, 'delta')}
          />
          <Field
            label="Reason"
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            error={issueAt(adjust.error, 'reason')}
          />
          <button type="submit" disabled={adjust.isPending}>
            Save stock
          </button>
        </form>
      </div>
      <FormError error={patch.error} fieldPaths={['priceCents']} />
      <FormError error={adjust.error} fieldPaths={['delta', 'reason']} />
      <FormError error={remove.error} />
      <p role="status">{saved ?? ''}</p>
      <p>
        {!item.deletedAt && (
          <button
            type="button"
            className="secondary"
            disabled={patch.isPending}
            onClick={() => patch.mutate({ active: !item.active })}
          >
            {item.active ? 'Take off sale' : 'Put on sale'}
          </button>
        )}{' '}
        <button
          type="button"
          className="secondary"
          disabled={remove.isPending}
          onClick={() => remove.mutate()}
        >
          {item.deletedAt ? 'Restore item' : 'Delete item'}
        </button>{' '}
        <button type="button" className="link" onClick={onDone}>
          Close
        </button>
      </p>
    </section>
  );
}

function LocationCatalog({ locationId }: { locationId: string }) {
  const api = useApi();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [editingId, setEditingId] = useState<string>();
  const catalog = usePages(['catalog', 'admin', locationId, q], async (cursor) =>
    unwrap(
      await api.GET('/catalog', {
        params: {
          query: {
            location: locationId,
            limit: 100,
            includeInactive: 'true',
            includeDeleted: 'true',
            ...(cursor ? { cursor } : {}),
            ...(q ? { q } : {}),
          },
        },
      }),
    ),
  );
  const editing = catalog.data?.pages.flatMap((page) => page.items).find((item) => item.id === editingId);
  return (
    <>
      <AddItemForm locationId={locationId} />
      <h2>Items</h2>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setQ(search.trim());
        }}
      >
        <Field label="Search items" value={search} onChange={(event) => setSearch(event.target.value)} />
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      {editing && <ItemEditor key={editing.id} item={editing} onDone={() => setEditingId(undefined)} />}
      <PagedItems query={catalog}>
        {(items) => (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Items at this location</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">GTIN</th>
                  <th scope="col" className="num">
                    Price
                  </th>
                  <th scope="col" className="num">
                    On hand
                  </th>
                  <th scope="col" className="num">
                    Available
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id}>
                    <td>
                      {item.name}
                      {item.brand && <span className="muted"> {item.brand}</span>}
                    </td>
                    <td>{item.gtin ?? '–'}</td>
                    <td className="num">{formatMoney(item.priceCents, item.currency)}</td>
                    <td className="num">{item.onHand}</td>
                    <td className="num">{item.available}</td>
                    <td>{itemStatus(item)}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => setEditingId(item.id)}>
                        Edit<span className="sr-only"> {item.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedItems>
    </>
  );
}

export function AdminCatalogScreen() {
  const [locationId, setLocationId] = useLocationParam();
  return (
    <Page title="Catalog and stock (admin)">
      <div className="form">
        <LocationPicker value={locationId} onChange={setLocationId} />
        <NewLocationForm onCreated={setLocationId} />
      </div>
      {locationId ? (
        <LocationCatalog key={locationId} locationId={locationId} />
      ) : (
        <p className="muted">Choose a store location to see and change what it sells.</p>
      )}
    </Page>
  );
}
