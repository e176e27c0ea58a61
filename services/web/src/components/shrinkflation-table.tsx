/** Shrinkflation tables shared by the screens: the findings (public and signed-in lists) and a finding's price records. */
import type { ReactNode } from 'react';
import type { components } from '../api/schema';
import { formatDate, formatMoney, formatPercent, formatSize } from '../format';

/** The fields both the public and the signed-in list answer with. */
type ShrinkflationRow = Pick<
  components['schemas']['PublicShrinkflation'],
  | 'id'
  | 'name'
  | 'brand'
  | 'storeSlug'
  | 'oldSize'
  | 'newSize'
  | 'sizeChangePct'
  | 'unitPriceChangePct'
  | 'changedAt'
> & { confirmed: boolean };

export function ShrinkflationTable({
  items,
  caption,
  nameOf = (item) => item.name,
}: {
  items: ShrinkflationRow[];
  caption: string;
  /** The product cell's content (the signed-in list makes it a link to the evidence). */
  nameOf?: (item: ShrinkflationRow) => ReactNode;
}) {
  return (
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col">Pack</th>
          <th scope="col" className="num">
            Real price change
          </th>
          <th scope="col">Store, since</th>
        </tr>
      </thead>
      <tbody>
        {items.map((event) => (
          <tr key={event.id}>
            <td>
              {nameOf(event)}
              {event.brand && <small className="muted"> · {event.brand}</small>}
              {event.confirmed && <small> · confirmed</small>}
            </td>
            <td>
              {formatSize(event.oldSize)} → {formatSize(event.newSize)} ({formatPercent(event.sizeChangePct)})
            </td>
            <td className="num up">{formatPercent(event.unitPriceChangePct)}</td>
            <td>
              {event.storeSlug}, {formatDate(event.changedAt)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type PackObservation = components['schemas']['PackObservation'];

const SOURCE_TEXT: Record<PackObservation['source'], string> = {
  receipt: 'receipt',
  catalog: 'store catalog',
  url: 'shop page',
};

/** The price records behind a shrinkflation finding (the signed-in evidence and the admin review). */
export function ObservationTable({
  caption,
  observations,
}: {
  caption: string;
  observations: PackObservation[];
}) {
  if (observations.length === 0) return <p className="muted">{caption}: none.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Seen</th>
          <th scope="col">Pack</th>
          <th scope="col" className="num">
            Price
          </th>
          <th scope="col">Where from</th>
        </tr>
      </thead>
      <tbody>
        {observations.map((observation) => (
          <tr key={observation.observationId}>
            <td>{formatDate(observation.observedAt)}</td>
            <td>{formatSize(observation.size)}</td>
            <td className="num">
              {formatMoney(observation.priceCents, observation.currency)}
              {observation.isSale && ' (sale)'}
            </td>
            <td>
              {SOURCE_TEXT[observation.source]} at {observation.storeSlug}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
