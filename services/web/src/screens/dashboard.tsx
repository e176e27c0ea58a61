/** The signed-in home: this month's spend, recent purchases, unread alerts, biggest price increases. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { unwrap } from '../api/errors';
import { useApi } from '../app-context';
import { Page, QueryState } from '../components/ui';
import { currentMonthRange, daysAgo, formatDate, formatMoney, formatPercent } from '../format';
import { routes } from '../routes';

export function DashboardScreen() {
  const api = useApi();
  const month = currentMonthRange();
  const spend = useQuery({
    queryKey: ['purchases', 'stats', 'month', month.from],
    queryFn: async () =>
      unwrap(await api.GET('/purchases/stats', { params: { query: { groupBy: 'month', ...month } } })),
  });
  const recent = useQuery({
    queryKey: ['purchases', 'recent'],
    queryFn: async () => unwrap(await api.GET('/purchases', { params: { query: { limit: 5 } } })),
  });
  const alerts = useQuery({
    queryKey: ['alerts', 'unread'],
    queryFn: async () =>
      unwrap(await api.GET('/alerts', { params: { query: { unread: 'true', limit: 50 } } })),
  });
  const increases = useQuery({
    queryKey: ['prices', 'increases'],
    queryFn: async () =>
      unwrap(await api.GET('/prices/increases', { params: { query: { limit: 5, since: daysAgo(30) } } })),
  });

  return (
    <Page title="Dashboard">
      <div className="grid">
        <section className="card" aria-labelledby="spend-title">
          <h2 id="spend-title">Spent this month</h2>
          <QueryState query={spend}>
            {(stats) =>
              stats.groups.length === 0 ? (
                <p className="big">Nothing yet</p>
              ) : (
                stats.groups.map((group) => (
                  <p key={group.currency} className="big">
                    {formatMoney(group.spendCents, group.currency)}
                    <small>
                      {' '}
                      in {group.purchaseCount} purchase{group.purchaseCount === 1 ? '' : 's'}, saved{' '}
                      {formatMoney(group.savingsCents, group.currency)}
                    </small>
                  </p>
                ))
              )
            }
          </QueryState>
        </section>
        <section className="card" aria-labelledby="alerts-title">
          <h2 id="alerts-title">Unread alerts</h2>
          <QueryState query={alerts} empty={(page) => page.items.length === 0}>
            {(page) => (
              <ul className="plain">
                {page.items.slice(0, 5).map((alert) => (
                  <li key={alert.id}>
                    <strong>{alert.title}</strong>{' '}
                    <span className="muted">{formatDate(alert.createdAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
          <Link to={routes.alerts}>All alerts</Link>
        </section>
        <section className="card" aria-labelledby="recent-title">
          <h2 id="recent-title">Recent purchases</h2>
          <QueryState query={recent} empty={(page) => page.items.length === 0}>
            {(page) => (
              <ul className="plain">
                {page.items.map((purchase) => (
                  <li key={purchase.id}>
                    <Link to={routes.purchase(purchase.id)}>
                      {purchase.storeSlug}, {formatDate(purchase.purchasedAt)}
                    </Link>{' '}
                    {formatMoney(purchase.totalCents, purchase.currency)}
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
          <Link to={routes.importReceipt}>Import a receipt</Link>
        </section>
        <section className="card" aria-labelledby="increases-title">
          <h2 id="increases-title">Biggest price increases on what you buy</h2>
          <QueryState query={increases} empty={(page) => page.items.length === 0}>
            {(page) => (
              <ul className="plain">
                {page.items.map((item) => (
                  <li key={item.productId}>
                    <Link to={routes.product(item.productId)}>{item.name}</Link>{' '}
                    <span className="up">{formatPercent(item.changePct)}</span>{' '}
                    <span className="muted">
                      {formatMoney(item.fromAvgCents, item.currency)} →{' '}
                      {formatMoney(item.toAvgCents, item.currency)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
      </div>
    </Page>
  );
}
