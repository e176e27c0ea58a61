/** The shrinkflation table shared by the public list and the signed-in one (which links to the evidence). */
import type { ReactNode } from 'react';
import type { components } from '../api/schema';
import { formatDate, formatPercent, formatSize } from '../format';

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
