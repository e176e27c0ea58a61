/**
 * Pairing a smart cart: the shopper types the code the cart shows (or pastes its QR payload), and the
 * cart's scans go into their cart at that store until they unpair or leave it idle. A pairing made
 * elsewhere (another tab or phone) shows up here too: `device.paired` on the live stream refreshes the
 * session (use-live-alerts.ts).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, describeError, unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { Field, FormError, Page, QueryState } from '../components/ui';
import { formatDateTime } from '../format';
import { routes } from '../routes';

type PairingSession = components['schemas']['PairingSession'];

/** The query key of the shopper's pairing session (the live stream refreshes it on `device.paired`). */
export const pairingSessionKey = ['cart-pairing', 'session'] as const;

/** Why a code did not pair, in words a shopper can act on. */
export function describePairingRefusal(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 400:
        return 'Type the code the cart shows: eight letters and digits.';
      case 404:
        return 'No cart shows that code. Check it, or ask the cart for a new one: codes work once and expire after a few minutes.';
      case 409:
        return `Could not pair: ${error.message}.`;
      case 429:
        return 'Too many tries. Wait a minute, then try again.';
    }
  }
  return describeError(error);
}

function PairedCart({ session }: { session: PairingSession }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const locations = useQuery({
    queryKey: ['catalog', 'locations'],
    queryFn: async () => unwrap(await api.GET('/catalog/locations', { params: { query: { limit: 100 } } })),
  });
  const location = locations.data?.items.find((item) => item.id === session.locationId);
  const unpair = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/devices/session')),
    onSuccess: () => queryClient.setQueryData(pairingSessionKey, null),
  });
  return (
    <div className="card">
      <h2>Paired</h2>
      <p data-testid="paired-cart">
        Cart <code>{session.deviceId.slice(0, 8)}</code> at {location ? location.name : 'its store'}: what it
        scans goes into your cart there.
      </p>
      <p className="muted">
        Paired {formatDateTime(session.startedAt)}; ends {formatDateTime(session.expiresAt)} unless the cart
        is used before.
      </p>
      <div className="inline-form">
        <Link to={routes.cart(session.locationId)}>Open that cart</Link>
        <button
          type="button"
          className="secondary"
          onClick={() => unpair.mutate()}
          disabled={unpair.isPending}
        >
          Unpair
        </button>
      </div>
      <FormError error={unpair.error} />
    </div>
  );
}

function PairForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const pair = useMutation({
    mutationFn: async () => unwrap(await api.POST('/devices/pair', { body: { code } })),
    onSuccess: (session) => {
      setCode('');
      queryClient.setQueryData(pairingSessionKey, session);
    },
    // 409 may mean this shopper is paired elsewhere already: show that session (with its Unpair).
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409)
        void queryClient.invalidateQueries({ queryKey: pairingSessionKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    pair.mutate();
  };
  return (
    <form onSubmit={submit} className="form">
      <Field
        label="Code shown on the cart"
        name="pairing-code"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        required
        value={code}
        onChange={(event) => setCode(event.target.value)}
        hint="Letters and digits; spaces, dashes and case do not matter."
      />
      {pair.error !== null && (
        <div role="alert" className="form-error">
          <p>{describePairingRefusal(pair.error)}</p>
        </div>
      )}
      <button type="submit" disabled={pair.isPending || code.trim() === ''}>
        Pair
      </button>
    </form>
  );
}

export function PairCartScreen() {
  const api = useApi();
  const session = useQuery({
    queryKey: pairingSessionKey,
    queryFn: async () => {
      try {
        return unwrap(await api.GET('/devices/session'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null; // not paired
        throw error;
      }
    },
  });
  return (
    <Page title="Pair a smart cart">
      <p className="sr-only" role="status">
        {session.data ? 'Paired with the cart.' : ''}
      </p>
      <QueryState query={session}>
        {(active) =>
          active ? (
            <PairedCart session={active} />
          ) : (
            <>
              <p>
                Start the cart and type the code on its screen. You can be paired with one cart at a time.
              </p>
              <PairForm />
            </>
          )
        }
      </QueryState>
    </Page>
  );
}
