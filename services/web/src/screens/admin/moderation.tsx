/**
 * Admin moderation (issue #21, docs/price-watch.md): one screen for the three queues — suspicious
 * receipt prices (price-watch; they are already kept out of shared prices, so the action is to look at
 * the product), shrinkflation claims awaiting a review (confirm / reject, as on the review screen) and
 * suspected duplicate products (merge one into the other, or dismiss the pair).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { FormError, Page, QueryState } from '../../components/ui';
import { formatDateTime, formatMoney, formatPercent, formatSize } from '../../format';
import { routes } from '../../routes';
import { PagedItems, usePages } from './admin-ui';
import { DetectionCard } from './shrinkflation';

type Candidate = components['schemas']['MergeCandidate'];
type Product = components['schemas']['Product'];

/** The product edit screen of one product. */
export const productEditLink = (productId: string) => `${routes.adminProducts}?product=${productId}`;

function SuspiciousPrices() {
  const api = useApi();
  const headingId = useId();
  const prices = useQuery({
    queryKey: ['moderation', 'prices'],
    queryFn: async () => unwrap(await api.GET('/prices/moderation', { params: { query: { limit: 100 } } })),
  });
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Suspicious prices</h2>
      <p className="muted">
        Receipt prices more than 35 % away from the shared price of their product and store. They never move
        shared prices or public figures; check the product if many pile up.
      </p>
      <QueryState query={prices} empty={(data) => data.items.length === 0}>
        {(data) => (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable)
          <section className="table-scroll" tabIndex={0} aria-label="Suspicious prices (scrolls sideways)">
            <table>
              <caption className="sr-only">Suspicious receipt prices, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Store</th>
                  <th scope="col">Price</th>
                  <th scope="col">Shared price</th>
                  <th scope="col">Off by</th>
                  <th scope="col">Contributor</th>
                  <th scope="col">Observed</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item) => (
                  <tr key={item.observationId}>
                    <td>
                      <Link to={productEditLink(item.productId)}>{item.name}</Link>
                    </td>
                    <td>{item.storeSlug}</td>
                    <td>{formatMoney(item.priceCents, item.currency)}</td>
                    <td>{formatMoney(item.sharedPriceCents, item.currency)}</td>
                    <td>{formatPercent(item.deviationPct)}</td>
                    <td>
                      <code>{item.contributorId ?? '–'}</code>
                    </td>
                    <td>{formatDateTime(item.observedAt)}</td>
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

function ShrinkflationClaims({ onDone }: { onDone: (message: string) => void }) {
  const api = useApi();
  const headingId = useId();
  const claims = usePages(['shrinkflation', 'moderation'], async (cursor) =>
    unwrap(
      await api.GET('/shrinkflation/moderation', {
        params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  );
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Shrinkflation claims</h2>
      <p className="muted">
        Detections awaiting a review: public only with independent evidence or your confirmation.
      </p>
      <PagedItems query={claims}>
        {(items) => (
          <div className="stack">
            {items.map((detection) => (
              <DetectionCard key={detection.id} detection={detection} onReviewed={onDone} />
            ))}
          </div>
        )}
      </PagedItems>
    </section>
  );
}

function describeProduct(product: Product): string {
  return [product.brand, formatSize(product.size), product.gtins.join(', ')].filter(Boolean).join(' · ');
}

function CandidateCard({ candidate, onDone }: { candidate: Candidate; onDone: (message: string) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const titleId = useId();
  const [first, second] = candidate.products as [Product, Product];
  const act = useMutation({
    mutationFn: async (action: { kind: 'merge'; from: Product; into: Product } | { kind: 'dismiss' }) => {
      if (action.kind === 'dismiss') {
        unwrap(
          await api.POST('/products/merge-candidates/dismiss', {
            body: { productIds: [first.id, second.id] },
          }),
        );
        return `Not duplicates: ${first.name} and ${second.name}.`;
      }
      unwrap(
        await api.POST('/products/{id}/merge', {
          params: { path: { id: action.from.id } },
          body: { targetProductId: action.into.id },
        }),
      );
      return `Merged ${action.from.name} into ${action.into.name}.`;
    },
    onSuccess: (message) => {
      onDone(message);
      void queryClient.invalidateQueries({ queryKey: ['moderation', 'merges'] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
    },
  });
  return (
    <article className="card" aria-labelledby={titleId}>
      <h3 id={titleId}>
        {first.name} / {second.name}
      </h3>
      <p>
        {candidate.reason === 'gtin-family'
          ? 'One GTIN family: the same item in another pack (a unit and a case).'
          : `Alike names (similarity ${Math.round((candidate.similarity ?? 0) * 100)} %), same brand and pack size.`}
      </p>
      <ul>
        {[first, second].map((product) => (
          <li key={product.id}>
            <Link to={productEditLink(product.id)}>{product.name}</Link>{' '}
            <span className="muted">{describeProduct(product)}</span>
          </li>
        ))}
      </ul>
      <p>
        <button
          type="button"
          disabled={act.isPending}
          onClick={() => act.mutate({ kind: 'merge', from: second, into: first })}
        >
          Merge {second.name} into {first.name}
        </button>{' '}
        <button
          type="button"
          disabled={act.isPending}
          onClick={() => act.mutate({ kind: 'merge', from: first, into: second })}
        >
          Merge {first.name} into {second.name}
        </button>{' '}
        <button
          type="button"
          className="secondary"
          disabled={act.isPending}
          onClick={() => act.mutate({ kind: 'dismiss' })}
        >
          Not duplicates
          <span className="sr-only">
            : {first.name} and {second.name}
          </span>
        </button>
      </p>
      <FormError error={act.error} />
    </article>
  );
}

function MergeCandidates({ onDone }: { onDone: (message: string) => void }) {
  const api = useApi();
  const headingId = useId();
  const candidates = useQuery({
    queryKey: ['moderation', 'merges'],
    queryFn: async () =>
      unwrap(await api.GET('/products/merge-candidates', { params: { query: { limit: 50 } } })),
  });
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Possible duplicate products</h2>
      <QueryState query={candidates} empty={(data) => data.items.length === 0}>
        {(data) => (
          <div className="stack">
            {data.items.map((candidate) => (
              <CandidateCard
                key={candidate.products.map((product) => product.id).join('+')}
                candidate={candidate}
                onDone={onDone}
              />
            ))}
          </div>
        )}
      </QueryState>
    </section>
  );
}

export function AdminModerationScreen() {
  const [done, setDone] = useState('');
  return (
    <Page title="Moderation (admin)">
      <p role="status">{done}</p>
      <SuspiciousPrices />
      <ShrinkflationClaims onDone={setDone} />
      <MergeCandidates onDone={setDone} />
    </Page>
  );
}
