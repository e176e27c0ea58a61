/**
 * The admin area under /app/admin: a guard that lets only the admin role in (the role comes from the
 * session, as the gateway's token says), the admin sub-navigation, and the admin screens, loaded on
 * demand so shoppers never download them.
 */
import { lazy, Suspense } from 'react';
import { Link, NavLink, Outlet, Route } from 'react-router';
import { useSession } from '../../app-context';
import { Page } from '../../components/ui';
import { routes } from '../../routes';
import { AdminOrdersScreen } from '../orders';
import { adminSections } from './admin-sections';

const AdminHomeScreen = lazy(() => import('./admin-home').then((m) => ({ default: m.AdminHomeScreen })));
const AdminCouponsScreen = lazy(() => import('./coupons').then((m) => ({ default: m.AdminCouponsScreen })));
const AdminCatalogScreen = lazy(() => import('./catalog').then((m) => ({ default: m.AdminCatalogScreen })));
const AdminDevicesScreen = lazy(() => import('./devices').then((m) => ({ default: m.AdminDevicesScreen })));
const AdminLayoutsScreen = lazy(() => import('./layouts').then((m) => ({ default: m.AdminLayoutsScreen })));
const AdminModerationScreen = lazy(() =>
  import('./moderation').then((m) => ({ default: m.AdminModerationScreen })),
);
const AdminProductsScreen = lazy(() =>
  import('./products').then((m) => ({ default: m.AdminProductsScreen })),
);
const AdminShrinkflationScreen = lazy(() =>
  import('./shrinkflation').then((m) => ({ default: m.AdminShrinkflationScreen })),
);

/** Lets admins through; anyone else signed in gets a plain refusal instead of failing API calls. */
function RequireAdmin() {
  const state = useSession();
  if (state.status !== 'signed-in' || state.user.role !== 'admin') {
    return (
      <Page title="Admins only">
        <p role="alert">
          This part of CartWatch is for administrators. Your account has no admin rights, so there is nothing
          to manage here.
        </p>
        <p>
          <Link to={routes.dashboard}>Back to your dashboard</Link>
        </p>
      </Page>
    );
  }
  return (
    <>
      <nav aria-label="Admin" className="sub-nav">
        <ul>
          <li>
            <NavLink to={routes.adminHome} end>
              Admin home
            </NavLink>
          </li>
          {adminSections.map((section) => (
            <li key={section.path}>
              <NavLink to={section.path}>{section.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Suspense
        fallback={
          <p className="muted" aria-busy="true">
            Loading…
          </p>
        }
      >
        <Outlet />
      </Suspense>
    </>
  );
}

/** Routes of the admin area; AppRoutes places them inside the signed-in part. */
export const adminRoutes = (
  <Route element={<RequireAdmin />}>
    <Route path={routes.adminHome} element={<AdminHomeScreen />} />
    <Route path={routes.adminOrders} element={<AdminOrdersScreen />} />
    <Route path={routes.adminCoupons} element={<AdminCouponsScreen />} />
    <Route path={routes.adminCatalog} element={<AdminCatalogScreen />} />
    <Route path={routes.adminDevices} element={<AdminDevicesScreen />} />
    <Route path={routes.adminLayouts} element={<AdminLayoutsScreen />} />
    <Route path={routes.adminShrinkflation} element={<AdminShrinkflationScreen />} />
    <Route path={routes.adminModeration} element={<AdminModerationScreen />} />
    <Route path={routes.adminProducts} element={<AdminProductsScreen />} />
  </Route>
);
