/** Alerts, newest first (kept current by the live stream); mark one read. */
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { unwrap } from '../api/errors';
import { useApi } from '../app-context';
import { FormError, Page } from '../components/ui';
import { formatDateTime } from '../format';
import { routes } from '../routes';

export function AlertsScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const alerts = useInfiniteQuery({
    queryKey: ['alerts', 'all'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/alerts', {
          params: { query: { limit: 25, ...(pageParam && { cursor: pageParam }) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const markRead = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/alerts/{id}/read', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['alerts'] }),
  });
  const items = alerts.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Page title="Alerts">
      <FormError error={alerts.error ?? markRead.error} />
      {alerts.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No alerts yet. Watch a product to get one when its price moves.</p>
      ) : (
        <ul className="plain alerts">
          {items.map((alert) => (
            <li key={alert.id} className={alert.read ? 'read' : 'unread'}>
              <strong>{alert.title}</strong> {!alert.read && <span className="badge-inline">new</span>}
              <p>{alert.body}</p>
              <small className="muted">{formatDateTime(alert.createdAt)}</small>{' '}
              {alert.productId && <Link to={routes.product(alert.productId)}>See the product</Link>}{' '}
              {!alert.read && (
                <button type="button" className="link" onClick={() => markRead.mutate(alert.id)}>
                  Mark read
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {alerts.hasNextPage && (
        <button type="button" onClick={() => void alerts.fetchNextPage()}>
          Show more
        </button>
      )}
    </Page>
  );
}
