/**
 * Building blocks the admin screens share: a labelled select, the store-location picker kept in the URL
 * (`?location=`), a product search, and the panel that shows a device key once.
 */
import {
  type InfiniteData,
  type QueryKey,
  type UseInfiniteQueryResult,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import { type ReactNode, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, describeError, unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, SelectField } from '../../components/ui';

type Product = components['schemas']['Product'];

export { SelectField };

/** The server's message for one request field (`scope.brand`, `nodes.2.id`), if it named that field. */
export function issueAt(error: unknown, path: string): string | undefined {
  return error instanceof ApiError ? error.issueFor(path) : undefined;
}

export function useLocations() {
  const api = useApi();
  return useQuery({
    queryKey: ['catalog', 'locations'],
    queryFn: async () => unwrap(await api.GET('/catalog/locations', { params: { query: { limit: 100 } } })),
  });
}

/** The location an admin screen works on, kept in `?location=` so a reload or a shared link keeps it. */
export function useLocationParam(): [string, (locationId: string) => void] {
  const [params, setParams] = useSearchParams();
  const locationId = params.get('location') ?? '';
  const setLocation = (next: string) => {
    setParams(next ? { location: next } : {}, { replace: true });
  };
  return [locationId, setLocation];
}

/** Chooses one of the store locations (orders service) for the screen. */
export function LocationPicker({
  value,
  onChange,
}: {
  value: string;
  onChange: (locationId: string) => void;
}) {
  const locations = useLocations();
  if (locations.isError)
    return (
      <p role="alert" className="form-error">
        {describeError(locations.error)}
      </p>
    );
  const items = locations.data?.items ?? [];
  return (
    <SelectField
      label="Store location"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      aria-busy={locations.isPending}
      hint={
        locations.isSuccess && items.length === 0 ? 'No locations yet: add one under Catalog.' : undefined
      }
    >
      <option value="">Choose a location…</option>
      {items.map((location) => (
        <option key={location.id} value={location.id}>
          {location.name} ({location.storeSlug})
        </option>
      ))}
    </SelectField>
  );
}

/** Searches price-watch's products by name and hands the chosen one to `onPick`. */
export function ProductPicker({
  label,
  actionLabel,
  onPick,
}: {
  label: string;
  actionLabel: string;
  onPick: (product: Product) => void;
}) {
  const api = useApi();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const results = useQuery({
    queryKey: ['products', 'search', q],
    queryFn: async () => unwrap(await api.GET('/products', { params: { query: { q, limit: 10 } } })),
    enabled: q !== '',
  });
  // Not a <form>: the picker sits inside other forms (coupon scope, layout placements).
  const search = () => setQ(text.trim());
  return (
    <div>
      <div className="inline-form">
        <Field
          label={label}
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              search();
            }
          }}
        />
        <button type="button" className="secondary" onClick={search}>
          Find product
        </button>
      </div>
      {results.isError && (
        <p role="alert" className="form-error">
          {describeError(results.error)}
        </p>
      )}
      {results.isSuccess && results.data.items.length === 0 && <p className="muted">No product matches.</p>}
      {results.isSuccess && results.data.items.length > 0 && (
        <ul className="plain">
          {results.data.items.map((product) => (
            <li key={product.id}>
              <button type="button" className="secondary" onClick={() => onPick(product)}>
                {actionLabel}: {product.name}
                {product.brand ? ` (${product.brand})` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * A device key, shown once: only its hash is stored, so this is the one chance to copy it. The copy
 * button reports success or failure in a live region.
 */
export function OneTimeSecret({
  title,
  secret,
  children,
}: {
  title: string;
  secret: string;
  children?: ReactNode;
}) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const headingId = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="notice secret" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p>
        <strong>Copy it now: it won't be shown again.</strong> CartWatch keeps only a hash of the key and
        cannot show it later; if it is lost, rotate the key.
      </p>
      <p>
        <code data-testid="device-key" className="secret-value">
          {secret}
        </code>
      </p>
      <button type="button" className="secondary" onClick={() => void copy()}>
        Copy key
      </button>
      <span role="status" className="muted">
        {copied === 'copied' && ' Copied to the clipboard.'}
        {copied === 'failed' && ' Could not copy: select the key and copy it by hand.'}
      </span>
      {children}
    </section>
  );
}

interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** A cursor-paged list endpoint (`{ items, nextCursor }`) as an infinite query, one page per "Show more". */
export function usePages<T>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
) {
  return useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** Loading, error and empty states of a paged list, its items so far, and "Show more" while there are more. */
export function PagedItems<T>({
  query,
  children,
}: {
  query: UseInfiniteQueryResult<InfiniteData<CursorPage<T>>>;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isPending)
    return (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (query.isError) return <FormError error={query.error} />;
  const items = query.data.pages.flatMap((page) => page.items);
  if (items.length === 0) return <p className="muted">Nothing here yet.</p>;
  return (
    <>
      {children(items)}
      {query.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          Show more
        </button>
      )}
    </>
  );
}
