/** The app's screens by path; screens behind <RequireSession> need a signed-in user. */
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useSession } from './app-context';
import { Layout } from './components/layout';
import { routes } from './routes';
import { CodeSignInScreen } from './screens/auth/code-sign-in';
import { ResetPasswordScreen } from './screens/auth/reset-password';
import { SignInScreen } from './screens/auth/sign-in';
import { SignUpScreen } from './screens/auth/sign-up';
import { VerifyEmailScreen } from './screens/auth/verify-email';
import { DashboardScreen } from './screens/dashboard';
import { HomeScreen, NotFoundScreen } from './screens/home';
import { ImportScreen } from './screens/import/import-screen';
import { PurchaseScreen, PurchasesScreen } from './screens/purchases';

/** Waits for the start-up refresh; sends a signed-out visitor to sign in, and back here afterwards. */
function RequireSession() {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'unknown')
    return (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
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
        <Route element={<RequireSession />}>
          <Route path={routes.verifyEmail} element={<VerifyEmailScreen />} />
          <Route path={routes.dashboard} element={<DashboardScreen />} />
          <Route path={routes.purchases} element={<PurchasesScreen />} />
          <Route path={routes.purchase(':id')} element={<PurchaseScreen />} />
          <Route path={routes.importReceipt} element={<ImportScreen />} />
        </Route>
        <Route path="*" element={<NotFoundScreen />} />
      </Route>
    </Routes>
  );
}
