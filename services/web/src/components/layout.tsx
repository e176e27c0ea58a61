/** The frame of every screen: skip link, navigation, live-alert announcements, and the screen itself. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { unwrap } from '../api/errors';
import { useServices, useSession } from '../app-context';
import { useLiveAlerts } from '../realtime/use-live-alerts';
import { routes } from '../routes';

function UnreadBadge() {
  const { api } = useServices();
  const unread = useQuery({
    queryKey: ['alerts', 'unread'],
    queryFn: async () =>
      unwrap(await api.GET('/alerts', { params: { query: { unread: 'true', limit: 50 } } })),
  });
  const count = unread.data?.items.length ?? 0;
  if (count === 0) return null;
  const more = unread.data?.nextCursor ? '+' : '';
  return (
    <span className="badge">
      {count}
      {more}
      <span className="sr-only"> unread</span>
    </span>
  );
}

/** The less frequent screens behind a disclosure, so the nav stays short on a phone; closes on navigation. */
function MoreLinks() {
  const location = useLocation();
  return (
    <details className="nav-more" key={location.pathname}>
      <summary>More</summary>
      <ul>
        <li>
          <NavLink to={routes.shrinkflationList}>Shrinkflation</NavLink>
        </li>
        <li>
          <NavLink to={routes.storeComparison}>Compare stores</NavLink>
        </li>
        <li>
          <NavLink to={routes.storeAccounts}>Store accounts</NavLink>
        </li>
        <li>
          <NavLink to={routes.pairCart}>Pair a cart</NavLink>
        </li>
        <li>
          <NavLink to={routes.notifications}>Notifications</NavLink>
        </li>
        <li>
          <NavLink to={routes.settings}>Settings</NavLink>
        </li>
      </ul>
    </details>
  );
}

function SignedInNav() {
  const { api, session } = useServices();
  const navigate = useNavigate();
  const live = useLiveAlerts();
  const state = useSession();
  const isAdmin = state.status === 'signed-in' && state.user.role === 'admin';
  const signOut = useMutation({
    mutationFn: async () => {
      await api.POST('/auth/logout');
    },
    onSettled: () => {
      session.clear();
      void navigate(routes.home);
    },
  });
  return (
    <>
      <ul>
        <li>
          <NavLink to={routes.dashboard} end>
            Dashboard
          </NavLink>
        </li>
        <li>
          <NavLink to={routes.purchases}>Purchases</NavLink>
        </li>
        <li>
          <NavLink to={routes.importReceipt}>Import</NavLink>
        </li>
        <li>
          <NavLink to={routes.products}>Products</NavLink>
        </li>
        <li>
          <NavLink to={routes.watches}>Watches</NavLink>
        </li>
        <li>
          <NavLink to={routes.coupons}>Coupons</NavLink>
        </li>
        <li>
          <NavLink to={routes.lists}>Lists</NavLink>
        </li>
        <li>
          <NavLink to={routes.shop}>Shop</NavLink>
        </li>
        <li>
          <NavLink to={routes.orders}>Orders</NavLink>
        </li>
        {isAdmin && (
          <li>
            <NavLink to={routes.adminHome}>Admin</NavLink>
          </li>
        )}
        <li>
          <NavLink to={routes.alerts}>
            Alerts <UnreadBadge />
          </NavLink>
        </li>
        <li>
          <MoreLinks />
        </li>
        <li>
          <NavLink to={routes.inflation}>Inflation</NavLink>
        </li>
        <li>
          <button type="button" className="link" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </li>
      </ul>
      <div className="sr-only" role="status" aria-live="polite">
        {live.latest ? `New alert: ${live.latest.title}` : ''}
      </div>
      {live.latest && (
        <div className="toast" role="presentation">
          <strong>{live.latest.title}</strong> {live.latest.body}
        </div>
      )}
    </>
  );
}

export function Layout() {
  const state = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <NavLink to={routes.home} className="brand">
          CartWatch
        </NavLink>
        <nav aria-label="Main">
          {state.status === 'signed-in' ? (
            <SignedInNav />
          ) : (
            <ul>
              <li>
                <NavLink to={routes.inflation}>Inflation</NavLink>
              </li>
              <li>
                <NavLink to={routes.storeComparison}>Compare stores</NavLink>
              </li>
              <li>
                <NavLink to={routes.shrinkflation}>Shrinkflation</NavLink>
              </li>
              <li>
                <NavLink to={routes.signIn}>Sign in</NavLink>
              </li>
            </ul>
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
