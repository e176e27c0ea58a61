/**
 * Admin shrinkflation review (shrinkflation service): detections by status, each with its size and
 * price change, the confidence and why, the receipts/catalog observations behind it on request, and
 * confirm / reject with an optional note. Confirming publishes it (alerts, the public list); a rejected
 * detection is never published.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { ObservationTable } from '../../components/shrinkflation-table';
import { Field, FormError, Page, QueryState } from '../../components/ui';
import { formatDate, formatDateTime, formatMoney, formatPercent, formatSize } from '../../format';
import { PagedItems, SelectField, usePages } from './admin-ui';

type Detection = components['schemas']['Shrinkflation'];
type Status = Detection['status'];

const statusChoices: { value: Status; label: string }[] = [
  { value: 'detected', label: 'Waiting for review' },
  { value: 'confirmed', label: 'Confirmed' },
  { value: 'rejected', label: 'Rejected' },
];

export function describeReviewStatus(detection: Detection): string {
  switch (detection.status) {
    case 'detected':
      return 'Waiting for review';
    case 'confirmed':
      return `Confirmed${detection.reviewedAt ? ` ${formatDateTime(detection.reviewedAt)}` : ''}`;
    case 'rejected':
      return `Rejected${detection.reviewedAt ? ` ${formatDateTime(detection.reviewedAt)}` : ''}`;
  }
}

/** `0.87` -> `87 %`. */
export function formatConfidence(confidence: number): string {
  return `${Math.round(confidence * 100)} %`;
}

function Evidence({ id }: { id: string }) {
  const api = useApi();
  const detail = useQuery({
    queryKey: ['shrinkflation', 'one', id],
    queryFn: async () => unwrap(await api.GET('/shrinkflation/{id}', { params: { path: { id } } })),
  });
  return (
    <QueryState query={detail}>
      {(data) => (
        <>
          <ObservationTable caption="Before (old size, regular prices)" observations={data.evidence.before} />
          <ObservationTable caption="After (new size, regular prices)" observations={data.evidence.after} />
        </>
      )}
    </QueryState>
  );
}

export function DetectionCard({
  detection,
  onReviewed,
}: {
  detection: Detection;
  onReviewed: (message: string) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const noteId = useId();
  const [note, setNote] = useState('');
  const [showEvidence, setShowEvidence] = useState(false);
  const review = useMutation({
    mutationFn: async (action: 'confirm' | 'reject') => {
      const options = {
        params: { path: { id: detection.id } },
        body: note.trim() ? { note: note.trim() } : {},
      };
      return unwrap(
        action === 'confirm'
          ? await api.POST('/shrinkflation/{id}/confirm', options)
          : await api.POST('/shrinkflation/{id}/reject', options),
      );
    },
    onSuccess: (reviewed) => {
      onReviewed(
        `${reviewed.status === 'confirmed' ? 'Confirmed' : 'Rejected'}: ${reviewed.name} at ${reviewed.storeSlug}.`,
      );
      void queryClient.invalidateQueries({ queryKey: ['shrinkflation'] });
      void queryClient.invalidateQueries({ queryKey: ['public'] });
    },
  });
  const name = detection.successorName ? `${detection.name} → ${detection.successorName}` : detection.name;
  return (
    <article className="card" aria-labelledby={`${noteId}-title`}>
      <h2 id={`${noteId}-title`}>
        {name}
        {detection.brand && <span className="muted"> {detection.brand}</span>}
      </h2>
      <p>
        {detection.storeSlug}: {formatSize(detection.oldSize)} → {formatSize(detection.newSize)} (
        {formatPercent(detection.sizeChangePct)} size),{' '}
        {formatMoney(detection.oldPriceCents, detection.currency)} →{' '}
        {formatMoney(detection.newPriceCents, detection.currency)}; unit price{' '}
        <strong className="up">{formatPercent(detection.unitPriceChangePct)}</strong>. Changed{' '}
        {formatDate(detection.changedAt)}
        {detection.kind === 'successor' ? ', as a new product replacing the old one.' : '.'}
      </p>
      <p>
        Confidence <strong>{formatConfidence(detection.confidence)}</strong> ·{' '}
        <span data-testid="review-status">{describeReviewStatus(detection)}</span>
      </p>
      <ul>
        {detection.factors.map((factor) => (
          <li key={factor.name}>{factor.detail}</li>
        ))}
      </ul>
      <button
        type="button"
        className="link"
        aria-expanded={showEvidence}
        onClick={() => setShowEvidence((v) => !v)}
      >
        {showEvidence ? 'Hide evidence' : 'Show evidence'}
      </button>
      {showEvidence && <Evidence id={detection.id} />}
      <Field
        label="Review note (optional)"
        maxLength={1000}
        value={note}
        onChange={(event) => setNote(event.target.value)}
      />
      <p>
        {detection.status !== 'confirmed' && (
          <button type="button" disabled={review.isPending} onClick={() => review.mutate('confirm')}>
            Confirm<span className="sr-only"> {name}</span>
          </button>
        )}{' '}
        {detection.status !== 'rejected' && (
          <button
            type="button"
            className="secondary"
            disabled={review.isPending}
            onClick={() => review.mutate('reject')}
          >
            Reject<span className="sr-only"> {name}</span>
          </button>
        )}
      </p>
      <FormError error={review.error} />
    </article>
  );
}

export function AdminShrinkflationScreen() {
  const api = useApi();
  const [status, setStatus] = useState<Status>('detected');
  const [reviewed, setReviewed] = useState('');
  const detections = usePages(['shrinkflation', 'review', status], async (cursor) =>
    unwrap(
      await api.GET('/shrinkflation', {
        params: { query: { status, limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  );
  return (
    <Page title="Shrinkflation review (admin)">
      <SelectField label="Show" value={status} onChange={(event) => setStatus(event.target.value as Status)}>
        {statusChoices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </SelectField>
      <p role="status">{reviewed}</p>
      <PagedItems query={detections}>
        {(items) => (
          <div className="stack">
            {items.map((detection) => (
              <DetectionCard key={detection.id} detection={detection} onReviewed={setReviewed} />
            ))}
          </div>
        )}
      </PagedItems>
    </Page>
  );
}
