/**
 * Coupons: the ones relevant to the shopper first, ranked by the coupon service (what is on their lists
 * and what they bought), then every other coupon valid now. Clipping one (or unclipping it) updates both
 * lists at once; the optimizer counts a clip-to-use coupon only once it is clipped.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { FormError, Page } from '../components/ui';
import { formatDate, formatMoney } from '../format';

type Coupon = components['schemas']['Coupon'];
type RelevantCoupon = components['schemas']['RelevantCoupon'];

export interface RankedCoupon {
  coupon: Coupon;
  /** Why the coupon service ranks it for this shopper; empty for the rest. */
  reasons: string[];
}

/**
 * The relevant coupons in the service's order, then the other coupons in theirs; a coupon in both
 * lists shows once, in the first part.
 */
export function relevantFirst(
  relevant: RelevantCoupon[],
  all: Coupon[],
): { forYou: RankedCoupon[]; others: RankedCoupon[] } {
  const seen = new Set(relevant.map((entry) => entry.coupon.id));
  return {
    forYou: relevant.map(({ coupon, reasons }) => ({ coupon, reasons })),
    others: all.filter((coupon) => !seen.has(coupon.id)).map((coupon) => ({ coupon, reasons: [] })),
  };
}

/** `20 % off`, `$0.50 off`, `Buy 2, get 1 free`, `$5.00 off when you spend $25.00`. */
export function describeDiscount(coupon: Coupon): string {
  const money = (cents: number | null) => formatMoney(cents ?? 0, coupon.currency);
  switch (coupon.type) {
    case 'percent':
      return `${coupon.percentOff ?? 0} % off`;
    case 'fixed':
      return `${money(coupon.amountOffCents)} off`;
    case 'bogo':
      return 'Buy one, get one free';
    case 'buy_x_get_y': {
      const off = coupon.getPercentOff ?? 100;
      return `Buy ${coupon.buyQuantity ?? 0}, get ${coupon.getQuantity ?? 0} ${off >= 100 ? 'free' : `at ${off} % off`}`;
    }
    case 'spend_threshold':
      return `${money(coupon.amountOffCents)} off when you spend ${money(coupon.thresholdCents)}`;
  }
}

/** Sets `clipped` on one coupon wherever a cached coupon query holds it (pages and paged lists). */
export function withClipped(data: unknown, id: string, clipped: boolean): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if ('pages' in data && Array.isArray(data.pages)) {
    return { ...data, pages: data.pages.map((page: unknown) => withClipped(page, id, clipped)) };
  }
  if (!('items' in data) || !Array.isArray(data.items)) return data;
  const items = (data.items as (Coupon | RelevantCoupon)[]).map((item) => {
    if ('coupon' in item)
      return item.coupon.id === id ? { ...item, coupon: { ...item.coupon, clipped } } : item;
    return item.id === id ? { ...item, clipped } : item;
  });
  return { ...data, items };
}

function CouponCard({ entry }: { entry: RankedCoupon }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { coupon, reasons } = entry;
  const toggle = useMutation({
    mutationFn: async (clip: boolean) => {
      const params = { params: { path: { id: coupon.id } } };
      if (clip) unwrap(await api.POST('/coupons/{id}/clip', params));
      else unwrap(await api.DELETE('/coupons/{id}/clip', params));
      return clip;
    },
    onSuccess: (clipped) => {
      queryClient.setQueriesData({ queryKey: ['coupons'] }, (data: unknown) =>
        withClipped(data, coupon.id, clipped),
      );
      // The relevance ranking counts clips: fetch it again in the background.
      void queryClient.invalidateQueries({ queryKey: ['coupons'] });
    },
  });
  return (
    <li className="card">
      <h3>{coupon.title}</h3>
      <p className="big">{describeDiscount(coupon)}</p>
      {coupon.description && <p>{coupon.description}</p>}
      <p className="muted">
        {coupon.storeSlug ? `At ${coupon.storeSlug}` : 'At every store'}
        {coupon.validTo ? `, until ${formatDate(coupon.validTo)}` : ''}
        {coupon.code && `, code ${coupon.code}`}
        {coupon.minQuantity > 1 && `, buy at least ${coupon.minQuantity}`}
      </p>
      {reasons.length > 0 && <p>Why for you: {reasons.join(', ')}</p>}
      <p>
        {coupon.clipped ? (
          <strong>✓ Clipped</strong>
        ) : coupon.requiresClip ? (
          'Clip it to use it.'
        ) : (
          'Applies without clipping.'
        )}
      </p>
      <button
        type="button"
        className={coupon.clipped ? 'secondary' : undefined}
        onClick={() => toggle.mutate(!coupon.clipped)}
        disabled={toggle.isPending}
      >
        {coupon.clipped ? 'Unclip' : 'Clip'}
        <span className="sr-only"> {coupon.title}</span>
      </button>
      <FormError error={toggle.error} />
    </li>
  );
}

function CouponList({ entries, label }: { entries: RankedCoupon[]; label: string }) {
  return (
    <ul className="cards" aria-label={label}>
      {entries.map((entry) => (
        <CouponCard key={entry.coupon.id} entry={entry} />
      ))}
    </ul>
  );
}

export function CouponsScreen() {
  const api = useApi();
  const relevant = useQuery({
    queryKey: ['coupons', 'relevant'],
    queryFn: async () => unwrap(await api.GET('/coupons/relevant', { params: { query: { limit: 50 } } })),
  });
  const all = useInfiniteQuery({
    queryKey: ['coupons', 'active'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/coupons', {
          params: { query: { active: 'true', limit: 50, ...(pageParam && { cursor: pageParam }) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const pending = relevant.isPending || all.isPending;
  const { forYou, others } = relevantFirst(
    relevant.data?.items ?? [],
    all.data?.pages.flatMap((page) => page.items) ?? [],
  );
  const clippedCount = [...forYou, ...others].filter((entry) => entry.coupon.clipped).length;
  return (
    <Page title="Coupons">
      <FormError error={relevant.error ?? all.error} />
      {pending ? (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      ) : (
        <>
          <p role="status">{clippedCount === 0 ? 'No coupons clipped.' : `${clippedCount} clipped.`}</p>
          <h2>For you</h2>
          {forYou.length === 0 ? (
            <p className="muted">
              None yet: coupons for what is on your lists and what you buy show up here first.
            </p>
          ) : (
            <CouponList entries={forYou} label="Coupons for you" />
          )}
          <h2>All other coupons</h2>
          {others.length === 0 ? (
            <p className="muted">No other coupons are valid now.</p>
          ) : (
            <CouponList entries={others} label="Other coupons valid now" />
          )}
          {all.hasNextPage && (
            <button type="button" onClick={() => void all.fetchNextPage()} disabled={all.isFetchingNextPage}>
              Show more coupons
            </button>
          )}
        </>
      )}
    </Page>
  );
}
