/**
 * The public landing page (what CartWatch is, with live public figures from `/public/*`), and the page for
 * paths the app does not know. Its figures need no account.
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError, unwrap } from '../api/errors';
import { useApi, useSession } from '../app-context';
import { OfflineNotice, oldestServed, servedAt } from '../components/offline';
import { FormError, Page } from '../components/ui';
import { formatPercent, formatSize } from '../format';
import { routes } from '../routes';

/** How many public findings the landing page counts (the API's page limit); more shows as "100+". */
const COUNTED_FINDINGS = 100;
const NEWEST_FINDINGS = 3;

const yoy = (value: number | null) => (value === null ? 'no figure' : formatPercent(value));

/** The newest month's food-at-home CPI against the CartWatch basket (docs/inflation.md), with its date. */
function useLatestInflation() {
  const api = useApi();
  return useQuery({
    queryKey: ['public', 'inflation', 'food-at-home', 'latest'],
    queryFn: async () => {
      const result = await api.GET('/public/inflation', { params: { query: { category: 'food-at-home' } } });
      try {
        return { ...unwrap(result), servedAt: servedAt(result.response) };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null; // no CPI month loaded yet
        throw error;
      }
    },
  });
}

/** How many public shrinkflation findings there are, and the newest few (docs/shrinkflation.md). */
function useLandingFindings() {
  const api = useApi();
  return useQuery({
    queryKey: ['public', 'shrinkflation', 'landing'],
    queryFn: async () => {
      const result = await api.GET('/public/shrinkflation', {
        params: { query: { limit: COUNTED_FINDINGS } },
      });
      return { ...unwrap(result), servedAt: servedAt(result.response) };
    },
  });
}

function InflationFigure({ inflation }: { inflation: ReturnType<typeof useLatestInflation> }) {
  return (
    <section aria-labelledby="landing-inflation">
      <h2 id="landing-inflation">Food inflation</h2>
      {inflation.isPending ? (
        <p className="muted" aria-busy="true">
          Loading the latest month…
        </p>
      ) : inflation.isError ? (
        <FormError error={inflation.error} />
      ) : !inflation.data ? (
        <p className="muted">No official price index has been loaded yet.</p>
      ) : (
        <dl>
          <dt>Official food-at-home CPI, {inflation.data.period}, on a year earlier</dt>
          <dd>{yoy(inflation.data.cpi.yoyPct)}</dd>
          <dt>
            CartWatch prices, same month ({inflation.data.basket.productCount} product
            {inflation.data.basket.productCount === 1 ? '' : 's'})
          </dt>
          <dd>{yoy(inflation.data.basket.yoyPct)}</dd>
        </dl>
      )}
      <p>
        <Link to={routes.inflation}>Inflation month by month</Link>
      </p>
    </section>
  );
}

function ShrinkflationFigure({ findings }: { findings: ReturnType<typeof useLandingFindings> }) {
  return (
    <section aria-labelledby="landing-shrinkflation">
      <h2 id="landing-shrinkflation">Shrinkflation</h2>
      {findings.isPending ? (
        <p className="muted" aria-busy="true">
          Loading findings…
        </p>
      ) : findings.isError ? (
        <FormError error={findings.error} />
      ) : findings.data.items.length === 0 ? (
        <p className="muted">No shrinking pack has been found yet.</p>
      ) : (
        <>
          <p>
            <strong>
              {findings.data.items.length}
              {findings.data.nextCursor ? '+' : ''}
            </strong>{' '}
            product{findings.data.items.length === 1 ? '' : 's'} found with a smaller pack and no matching
            price cut. The newest:
          </p>
          <ul>
            {findings.data.items.slice(0, NEWEST_FINDINGS).map((item) => (
              <li key={item.id}>
                {item.name} at {item.storeSlug}: {formatSize(item.oldSize)} → {formatSize(item.newSize)},
                price per unit {formatPercent(item.unitPriceChangePct)}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <Link to={routes.shrinkflation}>Every shrinkflation finding</Link> ·{' '}
        <Link to={routes.storeComparison}>Compare stores</Link>
      </p>
    </section>
  );
}

export function HomeScreen() {
  const state = useSession();
  const inflation = useLatestInflation();
  const findings = useLandingFindings();
  return (
    <Page title="Know what your groceries really cost">
      <p>
        CartWatch records what you paid from your receipts, follows prices across stores, warns you about
        price hikes and shrinking packs, and splits your shopping list across stores for the lowest total. The
        figures below come from what its users bought and are open to everyone.
      </p>
      {state.status === 'signed-in' ? (
        <p>
          <Link to={routes.dashboard}>Go to your dashboard</Link>
        </p>
      ) : (
        <p>
          <Link to={routes.signUp}>Create an account</Link> or <Link to={routes.signIn}>sign in</Link>.
        </p>
      )}
      <OfflineNotice savedAt={oldestServed([inflation.data?.servedAt, findings.data?.servedAt])}>
        Links to other pages work for what was opened before.
      </OfflineNotice>
      <InflationFigure inflation={inflation} />
      <ShrinkflationFigure findings={findings} />
    </Page>
  );
}

export function NotFoundScreen() {
  return (
    <Page title="Page not found">
      <p>
        There is nothing at this address. <Link to={routes.home}>Go to the start page</Link>.
      </p>
    </Page>
  );
}
