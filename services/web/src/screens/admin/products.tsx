/**
 * Admin product edit (issue #21, docs/price-watch.md "Product attributes"): find a product (or arrive
 * with `?product=` from the moderation screen), set its brand, category (the taxonomy mapped to the
 * CPI categories) and pack size — an admin's value wins over the evidence — or hand an attribute back
 * to the evidence; below, the history of every change (who, when, old → new).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, Page, QueryState } from '../../components/ui';
import { formatDateTime, formatSize } from '../../format';
import { issueAt, ProductPicker, SelectField } from './admin-ui';

type Product = components['schemas']['Product'];
type Update = components['schemas']['ProductUpdate'];
type Attribute = components['schemas']['ProductAttribute'];

export interface ProductDraft {
  brand: string;
  category: string;
  sizeValue: string;
  sizeUnit: 'g' | 'ml' | 'ct';
}

export function draftOf(product: Product): ProductDraft {
  return {
    brand: product.brand ?? '',
    category: product.category ?? '',
    sizeValue: product.size ? String(product.size.value) : '',
    sizeUnit: product.size?.unit ?? 'g',
  };
}

/** The PATCH body: only what changed, an emptied field as null ("none"), `clear` for hand-backs. */
export function productUpdate(product: Product, draft: ProductDraft, clear: Attribute[]): Update {
  const before = draftOf(product);
  const update: Update = {};
  if (!clear.includes('brand') && draft.brand.trim() !== before.brand)
    update.brand = draft.brand.trim() || null;
  if (!clear.includes('category') && draft.category !== before.category) {
    update.category = (draft.category || null) as Update['category'];
  }
  if (
    !clear.includes('size') &&
    (draft.sizeValue !== before.sizeValue || draft.sizeUnit !== before.sizeUnit)
  ) {
    update.size =
      draft.sizeValue.trim() === '' ? null : { value: Number(draft.sizeValue), unit: draft.sizeUnit };
  }
  if (clear.length > 0) update.clear = clear;
  return update;
}

const attributeLabels: Record<Attribute, string> = {
  brand: 'Brand',
  category: 'Category',
  size: 'Pack size',
};

function History({ productId }: { productId: string }) {
  const api = useApi();
  const headingId = useId();
  const history = useQuery({
    queryKey: ['products', 'history', productId],
    queryFn: async () =>
      unwrap(await api.GET('/products/{id}/history', { params: { path: { id: productId } } })),
  });
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>History</h2>
      <QueryState query={history} empty={(data) => data.items.length === 0}>
        {(data) => (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable)
          <section className="table-scroll" tabIndex={0} aria-label="Product changes (scrolls sideways)">
            <table>
              <caption className="sr-only">Changes of the product, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDateTime(entry.createdAt)}</td>
                    <td>{attributeLabels[entry.attribute]}</td>
                    <td>{entry.oldValue ?? '–'}</td>
                    <td>{entry.newValue ?? '–'}</td>
                    <td>
                      {entry.cause === 'evidence'
                        ? 'Evidence (store catalog, receipts)'
                        : `${entry.cause === 'admin' ? 'Admin edit' : 'Admin: back to evidence'} (${entry.actorId})`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </QueryState>
    </section>
  );
}

function EditForm({ product }: { product: Product }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(product));
  const [clear, setClear] = useState<Attribute[]>([]);
  const [saved, setSaved] = useState('');
  useEffect(() => {
    setDraft(draftOf(product));
    setClear([]);
  }, [product]);
  const categories = useQuery({
    queryKey: ['products', 'categories'],
    queryFn: async () => unwrap(await api.GET('/products/categories')),
  });
  const save = useMutation({
    mutationFn: async (body: Update) =>
      unwrap(await api.PATCH('/products/{id}', { params: { path: { id: product.id } }, body })),
    onSuccess: (updated) => {
      setSaved(`Saved ${updated.name}.`);
      queryClient.setQueryData(['products', 'one', product.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['products', 'history', product.id] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved('');
    save.mutate(productUpdate(product, draft, clear));
  };
  const toggle = (attribute: Attribute) =>
    setClear((current) =>
      current.includes(attribute) ? current.filter((item) => item !== attribute) : [...current, attribute],
    );
  return (
    <form onSubmit={submit} noValidate>
      <p>
        <strong>{product.name}</strong> <span className="muted">{product.gtins.join(', ')}</span>
      </p>
      <Field
        label="Brand"
        value={draft.brand}
        maxLength={200}
        disabled={clear.includes('brand')}
        error={issueAt(save.error, 'brand')}
        onChange={(event) => setDraft({ ...draft, brand: event.target.value })}
      />
      <SelectField
        label="Category"
        value={draft.category}
        disabled={clear.includes('category')}
        error={issueAt(save.error, 'category')}
        hint="Each category counts in the CPI basket shown next to it."
        onChange={(event) => setDraft({ ...draft, category: event.target.value })}
      >
        <option value="">None</option>
        {draft.category && !categories.data?.items.some((item) => item.category === draft.category) && (
          <option value={draft.category}>{draft.category} (from receipts, not in the taxonomy)</option>
        )}
        {(categories.data?.items ?? []).map((item) => (
          <option key={item.category} value={item.category}>
            {item.category} — {item.cpiCategory ?? 'not food'}
          </option>
        ))}
      </SelectField>
      <div className="inline-form">
        <Field
          label="Pack size"
          inputMode="decimal"
          value={draft.sizeValue}
          disabled={clear.includes('size')}
          error={issueAt(save.error, 'size.value')}
          onChange={(event) => setDraft({ ...draft, sizeValue: event.target.value })}
        />
        <SelectField
          label="Unit"
          value={draft.sizeUnit}
          disabled={clear.includes('size')}
          onChange={(event) =>
            setDraft({ ...draft, sizeUnit: event.target.value as ProductDraft['sizeUnit'] })
          }
        >
          <option value="g">g</option>
          <option value="ml">ml</option>
          <option value="ct">pieces</option>
        </SelectField>
      </div>
      <fieldset>
        <legend>Hand back to the evidence (store catalog, receipts)</legend>
        {(Object.keys(attributeLabels) as Attribute[]).map((attribute) => (
          <label key={attribute} className="choice">
            <input type="checkbox" checked={clear.includes(attribute)} onChange={() => toggle(attribute)} />{' '}
            {attributeLabels[attribute]}
          </label>
        ))}
      </fieldset>
      <p className="muted">
        Now:{' '}
        {[product.brand, product.category, formatSize(product.size)].filter(Boolean).join(' · ') ||
          'no attributes'}
      </p>
      <button type="submit" disabled={save.isPending}>
        Save product
      </button>
      <p role="status">{saved}</p>
      <FormError error={save.error} fieldPaths={['brand', 'category', 'size.value']} />
    </form>
  );
}

export function AdminProductsScreen() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const productId = params.get('product') ?? '';
  const product = useQuery({
    queryKey: ['products', 'one', productId],
    queryFn: async () =>
      unwrap(await api.GET('/products/{id}', { params: { path: { id: productId } } })) as Product,
    enabled: productId !== '',
  });
  return (
    <Page title="Products (admin)">
      <ProductPicker
        label="Find a product"
        actionLabel="Edit"
        onPick={(picked) => setParams({ product: picked.id }, { replace: true })}
      />
      {productId !== '' && (
        <>
          <QueryState query={product}>{(data) => <EditForm product={data} />}</QueryState>
          <History productId={productId} />
        </>
      )}
    </Page>
  );
}
