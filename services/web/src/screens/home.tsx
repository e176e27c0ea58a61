/** The public landing page, and the page for paths the app does not know. */
import { Link } from 'react-router';
import { useSession } from '../app-context';
import { Page } from '../components/ui';
import { routes } from '../routes';

export function HomeScreen() {
  const state = useSession();
  return (
    <Page title="Know what your groceries really cost">
      <p>
        CartWatch records what you paid from your receipts, follows prices across stores, warns you about
        price hikes and shrinking packs, and splits your shopping list across stores for the lowest total.
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
