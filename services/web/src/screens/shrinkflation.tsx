/**
 * Shrinkflation for a signed-in shopper: every detection that was not rejected (the public list shows
 * only confirmed or high-confidence ones), and one detection with its evidence: the pack sizes and
 * median regular prices before and after, the unit-price change, how sure the detector is and why, and
 * the price observations it rests on.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { ObservationTable, ShrinkflationTable } from '../components/shrinkflation-table';
import { FormError, Page, QueryState } from '../components/ui';
import { formatDate, formatMoney, formatPercent, formatSize } from '../format';
import { routes } from '../routes';

type ShrinkflationDetail = components['schemas']['ShrinkflationDetail'];

const STATUS_TEXT: Record<ShrinkflationDetail['status'], string> = {
  detected: 'Detected, not reviewed yet',
  confirmed: 'Confirmed by a reviewer',
  rejected: 'Rejected by a reviewer',
};

export function ShrinkflationListScreen() {
  const api = useApi();
  const events = useInfiniteQuery({
    queryKey: ['shrinkflation', 'list'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/shrinkflation', {
          params: { query: { limit: 25, ...(pageParam && { cursor: pageParam }) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = (events.data?.pages.flatMap((page) => page.items) ?? []).map((event) => ({
    ...event,
    confirmed: event.status === 'confirmed',
  }));
  return (
    <Page title="Shrinkflation">
      <p>
        Packs that got smaller while the price did not follow, newest first. Open one to see the evidence.
      </p>
      <FormError error={events.error} />
      {events.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No shrinkflation found yet.</p>
      ) : (
        <ShrinkflationTable
          items={items}
          caption="Shrunk products, newest first"
          nameOf={(event) => <Link to={routes.shrinkflationEvidence(event.id)}>{event.name}</Link>}
        />
      )}
      {events.hasNextPage && (
        <button
          type="button"
          onClick={() => void events.fetchNextPage()}
          disabled={events.isFetchingNextPage}
        >
          Show more
        </button>
      )}
    </Page>
  );
}

type Size = ShrinkflationDetail['oldSize'];

/** Cents per 100 g or 100 ml, or per item (may be fractional; formatting rounds). */
export function unitPriceCents(priceCents: number, size: Size): number {
  return size.unit === 'ct' ? priceCents / size.value : (priceCents / size.value) * 100;
}

const unitLabel = (unit: Size['unit']) => (unit === 'ct' ? 'per item' : `per 100 ${unit}`);

/** The before/after comparison: what a shopper pays for the same amount of product now. */
export function ShrinkflationEvidence({ event }: { event: ShrinkflationDetail }) {
  const money = (cents: number) => formatMoney(cents, event.currency);
  const successor = event.kind === 'successor' && event.successorName;
  return (
    <>
      <p>
        <Link to={routes.product(event.productId)}>{event.name}</Link>
        {event.brand && <span className="muted"> · {event.brand}</span>} at {event.storeSlug}
        {successor && (
          <>
            {' '}
            was replaced by{' '}
            {event.successorProductId ? (
              <Link to={routes.product(event.successorProductId)}>{event.successorName}</Link>
            ) : (
              event.successorName
            )}
          </>
        )}
        .
      </p>
      <p data-testid="shrinkflation-status">{STATUS_TEXT[event.status]}</p>
      <table>
        <caption>Before and after the change</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Measure</span>
            </th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col" className="num">
              Change
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Pack size</th>
            <td>{formatSize(event.oldSize)}</td>
            <td>{formatSize(event.newSize)}</td>
            <td className="num">{formatPercent(event.sizeChangePct)}</td>
          </tr>
          <tr>
            <th scope="row">Regular price (median)</th>
            <td>{money(event.oldPriceCents)}</td>
            <td>{money(event.newPriceCents)}</td>
            <td className="num">
              {formatPercent(((event.newPriceCents - event.oldPriceCents) / event.oldPriceCents) * 100)}
            </td>
          </tr>
          <tr>
            <th scope="row">Price for the old pack size</th>
            <td>{money(event.oldPriceCents)}</td>
            <td>{money(event.qualityAdjustedPriceCents)}</td>
            <td className="num up">{formatPercent(event.qualityAdjustedPriceChangePct)}</td>
          </tr>
          <tr>
            <th scope="row">Unit price ({unitLabel(event.oldSize.unit)})</th>
            <td>{money(unitPriceCents(event.oldPriceCents, event.oldSize))}</td>
            <td>{money(unitPriceCents(event.newPriceCents, event.newSize))}</td>
            <td className="num up">{formatPercent(event.unitPriceChangePct)}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">
        The new size was first seen at its regular price on {formatDate(event.changedAt)}; detected on{' '}
        {formatDate(event.detectedAt)}
        {event.reviewedAt && `, reviewed on ${formatDate(event.reviewedAt)}`}.
      </p>
      <h2>How sure: {Math.round(event.confidence * 100)} %</h2>
      <ul className="plain">
        {event.factors.map((factor) => (
          <li key={factor.name}>{factor.detail}</li>
        ))}
      </ul>
      <h2>Evidence</h2>
      <ObservationTable caption="Regular prices of the old size" observations={event.evidence.before} />
      <ObservationTable caption="Regular prices of the new size" observations={event.evidence.after} />
    </>
  );
}

export function ShrinkflationEvidenceScreen() {
  const api = useApi();
  const { id = '' } = useParams();
  const event = useQuery({
    queryKey: ['shrinkflation', 'one', id],
    queryFn: async () => unwrap(await api.GET('/shrinkflation/{id}', { params: { path: { id } } })),
  });
  return (
    <Page
      title="Shrinkflation evidence"
      actions={<Link to={routes.shrinkflationList}>All shrinkflation</Link>}
    >
      <QueryState query={event}>{(data) => <ShrinkflationEvidence event={data} />}</QueryState>
    </Page>
  );
}
