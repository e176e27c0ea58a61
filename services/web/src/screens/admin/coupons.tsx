/**
 * Admin coupons (coupon service): every coupon, publishing a new one (`POST /coupons` publishes
 * coupon.published.v1) with the API's validation shown beside each field, and deleting one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { formatDateTime } from '../../format';
import { describeDiscount } from '../coupons';
import { parseMoneyInput } from '../watches';
import { issueAt, PagedItems, ProductPicker, SelectField, usePages } from './admin-ui';

type Coupon = components['schemas']['Coupon'];
type CreateCoupon = components['schemas']['CreateCoupon'];
type CouponType = CreateCoupon['type'];
type CouponScope = CreateCoupon['scope'];
type ScopeKind = CouponScope['kind'];

/** `T` (each member of a union) with its keys `K` optional. */
type Pending<T, K extends PropertyKey> = T extends unknown
  ? Omit<T, K> & Partial<Pick<T, Extract<keyof T, K>>>
  : never;
/** A scope of `draft.scopeKind` whose one field may not be given yet (no brand typed, no product chosen). */
type ScopeDraft = Pending<CouponScope, 'productId' | 'brand' | 'category'>;
/**
 * A `POST /coupons` body as the form builds it: the CreateCoupon member of `draft.type` whose required
 * numbers may not be typed yet, with the scope of `draft.scopeKind` even when that type does not take it
 * (a line coupon with the store total, say). Those are the API's to answer, beside the fields.
 */
export type CouponBody = CreateCoupon extends infer Member
  ? Member extends unknown
    ? Omit<
        Pending<Member, 'percentOff' | 'amountOffCents' | 'buyQuantity' | 'getQuantity' | 'thresholdCents'>,
        'scope'
      > & { scope: ScopeDraft }
    : never
  : never;

const couponTypes: { value: CouponType; label: string }[] = [
  { value: 'percent', label: 'Percent off' },
  { value: 'fixed', label: 'Amount off' },
  { value: 'bogo', label: 'Buy one, get one free' },
  { value: 'buy_x_get_y', label: 'Buy X, get Y' },
  { value: 'spend_threshold', label: 'Amount off a store total' },
];

const scopeKinds: { value: ScopeKind; label: string }[] = [
  { value: 'category', label: 'A category' },
  { value: 'brand', label: 'A brand' },
  { value: 'product', label: 'One product' },
  { value: 'store', label: 'The whole store total' },
];

/** What the publish form holds: text as typed, turned into a request by `couponRequest`. */
export interface CouponDraft {
  title: string;
  description: string;
  storeSlug: string;
  type: CouponType;
  percentOff: string;
  amountOff: string;
  buyQuantity: string;
  getQuantity: string;
  getPercentOff: string;
  threshold: string;
  minQuantity: string;
  scopeKind: ScopeKind;
  brand: string;
  category: string;
  product: { id: string; name: string } | null;
  currency: string;
  validFrom: string;
  validTo: string;
  requiresClip: boolean;
  code: string;
}

/** `datetime-local` text for an instant, in the browser's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function emptyCouponDraft(now = new Date()): CouponDraft {
  return {
    title: '',
    description: '',
    storeSlug: '',
    type: 'percent',
    percentOff: '',
    amountOff: '',
    buyQuantity: '',
    getQuantity: '',
    getPercentOff: '',
    threshold: '',
    minQuantity: '1',
    scopeKind: 'category',
    brand: '',
    category: '',
    product: null,
    currency: 'USD',
    validFrom: toLocalInput(now),
    validTo: '',
    requiresClip: false,
    code: '',
  };
}

/** `"12"` -> 12; empty -> undefined; anything else -> NaN. */
function parseWholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/**
 * The `POST /coupons` body for a draft: only the numbers its type uses, money typed as `3.50` sent as
 * cents, local times as ISO instants. Text that is not a number at all is reported here, keyed by the
 * request path; every other rule (what each type requires, scopes, dates in order) is the API's, and
 * its answer is shown beside the same fields.
 */
export function couponRequest(
  draft: CouponDraft,
): { body: CouponBody; problems?: undefined } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const money = (path: string, text: string) => {
    const cents = parseMoneyInput(text);
    if (Number.isNaN(cents)) problems[path] = 'Write an amount like 3.50.';
    return cents;
  };
  const whole = (path: string, text: string) => {
    const value = parseWholeNumber(text);
    if (Number.isNaN(value)) problems[path] = 'Write a whole number.';
    return value;
  };
  const instant = (path: string, text: string) => {
    if (!text) return undefined;
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) {
      problems[path] = 'Choose a date and time.';
      return undefined;
    }
    return time.toISOString();
  };

  const validFrom = instant('validFrom', draft.validFrom);
  const validTo = instant('validTo', draft.validTo);
  const shared = {
    title: draft.title.trim(),
    scope: scopeOf(draft),
    storeSlug: draft.storeSlug || null,
    minQuantity: whole('minQuantity', draft.minQuantity) ?? 1,
    currency: draft.currency.trim().toUpperCase(),
    validFrom: validFrom ?? '',
    requiresClip: draft.requiresClip,
    ...(validTo ? { validTo } : {}),
    ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
    ...(draft.code.trim() ? { code: draft.code.trim() } : {}),
  };
  let body: CouponBody;
  switch (draft.type) {
    case 'percent':
      body = { ...shared, type: draft.type, ...given({ percentOff: whole('percentOff', draft.percentOff) }) };
      break;
    case 'fixed':
      body = {
        ...shared,
        type: draft.type,
        ...given({ amountOffCents: money('amountOffCents', draft.amountOff) }),
      };
      break;
    case 'bogo':
      body = { ...shared, type: draft.type };
      break;
    case 'buy_x_get_y':
      body = {
        ...shared,
        type: draft.type,
        ...given({
          buyQuantity: whole('buyQuantity', draft.buyQuantity),
          getQuantity: whole('getQuantity', draft.getQuantity),
          getPercentOff: whole('getPercentOff', draft.getPercentOff),
        }),
      };
      break;
    case 'spend_threshold':
      body = {
        ...shared,
        type: draft.type,
        ...given({
          thresholdCents: money('thresholdCents', draft.threshold),
          amountOffCents: money('amountOffCents', draft.amountOff),
        }),
      };
      break;
  }
  if (!validFrom && !problems.validFrom) problems.validFrom = 'Choose when the coupon starts.';
  if (Object.keys(problems).length > 0) return { problems };
  return { body };
}

/** The entries of `values` that are given (a field left empty is left out of the body). */
function given<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The scope of `draft.scopeKind` with the one field it names, when given. */
function scopeOf(draft: CouponDraft): ScopeDraft {
  switch (draft.scopeKind) {
    case 'brand':
      return { kind: draft.scopeKind, ...given({ brand: draft.brand.trim() || undefined }) };
    case 'category':
      return { kind: draft.scopeKind, ...given({ category: draft.category.trim() || undefined }) };
    case 'product':
      return { kind: draft.scopeKind, ...given({ productId: draft.product?.id }) };
    case 'store':
      return { kind: draft.scopeKind };
  }
}

function describeScope(coupon: Coupon): string {
  switch (coupon.scope.kind) {
    case 'brand':
      return `Brand ${coupon.scope.brand ?? ''}`;
    case 'category':
      return `Category ${coupon.scope.category ?? ''}`;
    case 'product':
      return 'One product';
    case 'store':
      return 'Store total';
  }
}

/** The form fields whose API issues are shown beside them. */
const couponFieldPaths = [
  'title',
  'description',
  'storeSlug',
  'type',
  'percentOff',
  'amountOffCents',
  'buyQuantity',
  'getQuantity',
  'getPercentOff',
  'thresholdCents',
  'minQuantity',
  'scope.kind',
  'scope.productId',
  'scope.brand',
  'scope.category',
  'currency',
  'validFrom',
  'validTo',
  'code',
] as const;

function PublishCouponForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<CouponDraft>(() => emptyCouponDraft());
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [published, setPublished] = useState<string>();
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });
  const publish = useMutation({
    // Sent as the form built it: the API answers for a required number or scope field not given yet.
    mutationFn: async (body: CouponBody) =>
      unwrap(await api.POST('/coupons', { body: body as CreateCoupon })),
    onSuccess: (coupon) => {
      setPublished(coupon.title);
      setDraft(emptyCouponDraft());
      void queryClient.invalidateQueries({ queryKey: ['coupons'] });
    },
  });
  const update = <K extends keyof CouponDraft>(key: K, value: CouponDraft[K]) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const changeType = (type: CouponType) =>
    setDraft((current) => ({
      ...current,
      type,
      // A store-total coupon is store-wide; a line coupon never is.
      scopeKind:
        type === 'spend_threshold' ? 'store' : current.scopeKind === 'store' ? 'category' : current.scopeKind,
    }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPublished(undefined);
    const request = couponRequest(draft);
    if (request.problems) {
      setProblems(request.problems);
      return;
    }
    setProblems({});
    publish.mutate(request.body);
  };
  const error = (path: (typeof couponFieldPaths)[number]) => problems[path] ?? issueAt(publish.error, path);

  return (
    <form onSubmit={submit} className="form" noValidate>
      <h2>Publish a coupon</h2>
      <Field
        label="Title"
        required
        maxLength={200}
        value={draft.title}
        onChange={(event) => update('title', event.target.value)}
        error={error('title')}
      />
      <Field
        label="Description (optional)"
        maxLength={2000}
        value={draft.description}
        onChange={(event) => update('description', event.target.value)}
        error={error('description')}
      />
      <SelectField
        label="Store"
        value={draft.storeSlug}
        onChange={(event) => update('storeSlug', event.target.value)}
        error={error('storeSlug')}
      >
        <option value="">Every store</option>
        {stores.data?.items.map((store) => (
          <option key={store.slug} value={store.slug}>
            {store.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Kind of deal"
        value={draft.type}
        onChange={(event) => changeType(event.target.value as CouponType)}
        error={error('type')}
      >
        {couponTypes.map((type) => (
          <option key={type.value} value={type.value}>
            {type.label}
          </option>
        ))}
      </SelectField>
      {draft.type === 'percent' && (
        <Field
          label="Percent off"
          inputMode="numeric"
          value={draft.percentOff}
          onChange={(event) => update('percentOff', event.target.value)}
          error={error('percentOff')}
        />
      )}
      {draft.type === 'buy_x_get_y' && (
        <>
          <Field
            label="Buy quantity"
            inputMode="numeric"
            value={draft.buyQuantity}
            onChange={(event) => update('buyQuantity', event.target.value)}
            error={error('buyQuantity')}
          />
          <Field
            label="Get quantity"
            inputMode="numeric"
            value={draft.getQuantity}
            onChange={(event) => update('getQuantity', event.target.value)}
            error={error('getQuantity')}
          />
          <Field
            label="Percent off the free units (optional)"
            inputMode="numeric"
            hint="Empty: they are free."
            value={draft.getPercentOff}
            onChange={(event) => update('getPercentOff', event.target.value)}
            error={error('getPercentOff')}
          />
        </>
      )}
      {draft.type === 'spend_threshold' && (
        <Field
          label="Store total that unlocks it"
          inputMode="decimal"
          value={draft.threshold}
          onChange={(event) => update('threshold', event.target.value)}
          error={error('thresholdCents')}
        />
      )}
      {(draft.type === 'fixed' || draft.type === 'spend_threshold') && (
        <Field
          label="Amount off"
          inputMode="decimal"
          value={draft.amountOff}
          onChange={(event) => update('amountOff', event.target.value)}
          error={error('amountOffCents')}
        />
      )}
      <SelectField
        label="Applies to"
        value={draft.scopeKind}
        onChange={(event) => update('scopeKind', event.target.value as ScopeKind)}
        error={error('scope.kind')}
      >
        {scopeKinds.map((kind) => (
          <option key={kind.value} value={kind.value}>
            {kind.label}
          </option>
        ))}
      </SelectField>
      {draft.scopeKind === 'brand' && (
        <Field
          label="Brand"
          value={draft.brand}
          onChange={(event) => update('brand', event.target.value)}
          error={error('scope.brand')}
        />
      )}
      {draft.scopeKind === 'category' && (
        <Field
          label="Category"
          value={draft.category}
          onChange={(event) => update('category', event.target.value)}
          error={error('scope.category')}
        />
      )}
      {draft.scopeKind === 'product' && (
        <fieldset>
          <legend>Product</legend>
          <p aria-live="polite">
            {draft.product ? `Chosen: ${draft.product.name}` : 'No product chosen yet.'}
          </p>
          {error('scope.productId') && <p className="field-error">{error('scope.productId')}</p>}
          <ProductPicker
            label="Search products"
            actionLabel="Choose"
            onPick={(product) => update('product', { id: product.id, name: product.name })}
          />
        </fieldset>
      )}
      <Field
        label="Minimum quantity"
        inputMode="numeric"
        value={draft.minQuantity}
        onChange={(event) => update('minQuantity', event.target.value)}
        error={error('minQuantity')}
      />
      <Field
        label="Currency"
        maxLength={3}
        value={draft.currency}
        onChange={(event) => update('currency', event.target.value)}
        error={error('currency')}
      />
      <Field
        label="Valid from"
        type="datetime-local"
        required
        value={draft.validFrom}
        onChange={(event) => update('validFrom', event.target.value)}
        error={error('validFrom')}
      />
      <Field
        label="Valid until (optional)"
        type="datetime-local"
        value={draft.validTo}
        onChange={(event) => update('validTo', event.target.value)}
        error={error('validTo')}
      />
      <Field
        label="Coupon code (optional)"
        maxLength={100}
        value={draft.code}
        onChange={(event) => update('code', event.target.value)}
        error={error('code')}
      />
      <label className="choice">
        <input
          type="checkbox"
          checked={draft.requiresClip}
          onChange={(event) => update('requiresClip', event.target.checked)}
        />
        Shoppers must clip it first
      </label>
      <FormError error={publish.error} fieldPaths={couponFieldPaths} />
      {Object.keys(problems).length > 0 && (
        <p role="alert" className="form-error">
          Fix the fields marked in the form.
        </p>
      )}
      <p role="status">{published ? `Published “${published}”.` : ''}</p>
      <button type="submit" disabled={publish.isPending}>
        Publish coupon
      </button>
    </form>
  );
}

function DeleteCoupon({ coupon }: { coupon: Coupon }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/coupons/{id}', { params: { path: { id: coupon.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['coupons'] }),
  });
  if (!confirming)
    return (
      <button type="button" className="secondary" onClick={() => setConfirming(true)}>
        Delete<span className="sr-only"> {coupon.title}</span>
      </button>
    );
  return (
    <>
      <span>Delete for good? </span>
      <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
        Yes, delete<span className="sr-only"> {coupon.title}</span>
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setConfirming(false)}>
        Keep it
      </button>
      <FormError error={remove.error} />
    </>
  );
}

export function AdminCouponsScreen() {
  const api = useApi();
  const [active, setActive] = useState<'' | 'true' | 'false'>('');
  const [store, setStore] = useState('');
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });
  // Oldest first (the API pages by id), so a new coupon is on the last page: filter by store to find it.
  const coupons = usePages(['coupons', 'admin', active, store], async (cursor) =>
    unwrap(
      await api.GET('/coupons', {
        params: {
          query: {
            limit: 50,
            ...(cursor ? { cursor } : {}),
            ...(active ? { active } : {}),
            ...(store ? { store } : {}),
          },
        },
      }),
    ),
  );
  return (
    <Page title="Coupons (admin)">
      <PublishCouponForm />
      <h2>Coupons</h2>
      <div className="inline-form">
        <SelectField
          label="Show"
          value={active}
          onChange={(event) => setActive(event.target.value as '' | 'true' | 'false')}
        >
          <option value="">All coupons</option>
          <option value="true">Valid now</option>
          <option value="false">Expired or not yet valid</option>
        </SelectField>
        <SelectField
          label="Valid at"
          hint="A store's own coupons and those valid at every store."
          value={store}
          onChange={(event) => setStore(event.target.value)}
        >
          <option value="">Any store</option>
          {stores.data?.items.map((retailer) => (
            <option key={retailer.slug} value={retailer.slug}>
              {retailer.name}
            </option>
          ))}
        </SelectField>
      </div>
      <PagedItems query={coupons}>
        {(items) => (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Coupons</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Deal</th>
                  <th scope="col">Applies to</th>
                  <th scope="col">Store</th>
                  <th scope="col">Valid</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((coupon) => (
                  <tr key={coupon.id}>
                    <td>
                      {coupon.title}
                      {coupon.requiresClip && <span className="muted"> (clip)</span>}
                    </td>
                    <td>{describeDiscount(coupon)}</td>
                    <td>{describeScope(coupon)}</td>
                    <td>{coupon.storeSlug ?? 'Every store'}</td>
                    <td>
                      {formatDateTime(coupon.validFrom)}
                      {coupon.validTo ? ` – ${formatDateTime(coupon.validTo)}` : ' onwards'}
                    </td>
                    <td>
                      <DeleteCoupon coupon={coupon} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedItems>
    </Page>
  );
}
