/** The app's screens by path; screens behind <RequireSession> need a signed-in user. */
import { lazy, Suspense } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useSession } from './app-context';
import { Layout } from './components/layout';
import { routes } from './routes';
import { adminRoutes } from './screens/admin/admin-routes';
import { AlertsScreen } from './screens/alerts';
import { CodeSignInScreen } from './screens/auth/code-sign-in';
import { ResetPasswordScreen } from './screens/auth/reset-password';
import { SignInScreen } from './screens/auth/sign-in';
import { SignUpScreen } from './screens/auth/sign-up';
import { VerifyEmailScreen } from './screens/auth/verify-email';
import { CouponsScreen } from './screens/coupons';
import { DashboardScreen } from './screens/dashboard';
import { HomeScreen, NotFoundScreen } from './screens/home';
import { ImportScreen } from './screens/import/import-screen';
import { ListScreen, ListsScreen } from './screens/lists';
import { NotificationsScreen } from './screens/notifications';
import { OrderScreen, OrdersScreen } from './screens/orders';
import { PairCartScreen } from './screens/pair-cart';
import { ProductScreen, ProductsScreen } from './screens/products';
import { InflationScreen, ShrinkflationScreen, StoreComparisonScreen } from './screens/public/explore';
import { PurchaseScreen, PurchasesScreen } from './screens/purchases';
import { SettingsScreen } from './screens/settings';
import { CartScreen, ShopScreen, StoreScreen } from './screens/shop';
import { ShrinkflationEvidenceScreen, ShrinkflationListScreen } from './screens/shrinkflation';
import { StoreAccountsScreen } from './screens/store-accounts';
import { WatchesScreen, WatchScreen } from './screens/watches';

/** The photo review (a photo, an editable draft) is a chunk of its own, loaded when first opened. */
const PhotoReviewScreen = lazy(() =>
  import('./screens/import/photo-review').then((m) => ({ default: m.PhotoReviewScreen })),
);

function Loading() {
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  );
}

/** Waits for the start-up refresh; sends a signed-out visitor to sign in, and back here afterwards. */
function RequireSession() {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'unknown') return <Loading />;
  if (state.status === 'signed-out') {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`${routes.signIn}?next=${next}`} replace />;
  }
  return <Outlet />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route path={routes.home} element={<HomeScreen />} />
        <Route path={routes.signIn} element={<SignInScreen />} />
        <Route path={routes.signInWithCode} element={<CodeSignInScreen />} />
        <Route path={routes.signUp} element={<SignUpScreen />} />
        <Route path={routes.resetPassword} element={<ResetPasswordScreen />} />
        <Route path={routes.inflation} element={<InflationScreen />} />
        <Route path={routes.storeComparison} element={<StoreComparisonScreen />} />
        <Route path={routes.shrinkflation} element={<ShrinkflationScreen />} />
        <Route element={<RequireSession />}>
          <Route path={routes.verifyEmail} element={<VerifyEmailScreen />} />
          <Route path={routes.dashboard} element={<DashboardScreen />} />
          <Route path={routes.purchases} element={<PurchasesScreen />} />
          <Route path={routes.purchase(':id')} element={<PurchaseScreen />} />
          <Route path={routes.importReceipt} element={<ImportScreen />} />
          <Route
            path={routes.photoReceipt(':id')}
            element={
              <Suspense fallback={<Loading />}>
                <PhotoReviewScreen />
              </Suspense>
            }
          />
          <Route path={routes.products} element={<ProductsScreen />} />
          <Route path={routes.product(':id')} element={<ProductScreen />} />
          <Route path={routes.watches} element={<WatchesScreen />} />
          <Route path={routes.watch(':id')} element={<WatchScreen />} />
          <Route path={routes.alerts} element={<AlertsScreen />} />
          <Route path={routes.storeAccounts} element={<StoreAccountsScreen />} />
          <Route path={routes.notifications} element={<NotificationsScreen />} />
          <Route path={routes.settings} element={<SettingsScreen />} />
          <Route path={routes.coupons} element={<CouponsScreen />} />
          <Route path={routes.shrinkflationList} element={<ShrinkflationListScreen />} />
          <Route path={routes.shrinkflationEvidence(':id')} element={<ShrinkflationEvidenceScreen />} />
          <Route path={routes.pairCart} element={<PairCartScreen />} />
          <Route path={routes.lists} element={<ListsScreen />} />
          <Route path={routes.list(':id')} element={<ListScreen />} />
          <Route path={routes.shop} element={<ShopScreen />} />
          <Route path={routes.store(':locationId')} element={<StoreScreen />} />
          <Route path={routes.cart(':locationId')} element={<CartScreen />} />
          <Route path={routes.orders} element={<OrdersScreen />} />
          <Route path={routes.order(':id')} element={<OrderScreen />} />
          {adminRoutes}
        </Route>
        <Route path="*" element={<NotFoundScreen />} />
      </Route>
    </Routes>
  );
}
