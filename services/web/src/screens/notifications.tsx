/**
 * Notifications: how alerts reach the shopper besides the app (e-mail, SMS to the verified phone, a
 * webhook, web push in this browser) and what was sent lately, with what failed and why. Push asks the
 * browser's permission only when the shopper turns it on here.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useServices, useSession } from '../app-context';
import { Field, FormError, Page, QueryState } from '../components/ui';
import { formatDateTime } from '../format';
import { forgetSubscription, PushPermissionRefused, rememberSubscription } from '../notifications/push';
import { routes } from '../routes';

type Preferences = components['schemas']['NotificationPreferences'];
type Delivery = components['schemas']['NotificationDelivery'];

const CHANNEL_TEXT: Record<Delivery['channel'], string> = {
  email: 'E-mail',
  sms: 'SMS',
  webhook: 'Webhook',
  push: 'Push',
};

/** `Sent 3 Dec, 10:02`, `Failed after 2 attempts: the webhook answered 404`, `Pending (retrying: …)`. */
export function describeDelivery(delivery: Delivery): string {
  if (delivery.status === 'sent')
    return `Sent${delivery.sentAt ? ` ${formatDateTime(delivery.sentAt)}` : ''}`;
  const attempts = `${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`;
  if (delivery.status === 'failed')
    return `Failed after ${attempts}${delivery.lastError ? `: ${delivery.lastError}` : ''}`;
  return delivery.lastError ? `Pending, retrying after ${attempts}: ${delivery.lastError}` : 'Pending';
}

function PreferencesForm({ preferences, hasPhone }: { preferences: Preferences; hasPhone: boolean }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(preferences.email);
  const [sms, setSms] = useState(preferences.sms);
  const [webhookUrl, setWebhookUrl] = useState(preferences.webhookUrl ?? '');
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT('/me/notifications', {
          body: { email, sms, webhookUrl: webhookUrl.trim() === '' ? null : webhookUrl.trim() },
        }),
      ),
    onSuccess: (saved) => queryClient.setQueryData(['notifications', 'preferences'], saved),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const webhookError =
    save.error instanceof ApiError
      ? (save.error.issueFor('webhookUrl') ??
        (save.error.status === 422 && !sms ? save.error.message : undefined))
      : undefined;
  return (
    <form onSubmit={submit} className="form" aria-label="Alert channels">
      <label className="choice">
        <input type="checkbox" checked={email} onChange={(event) => setEmail(event.target.checked)} />
        E-mail alerts to my address
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={sms}
          disabled={!hasPhone && !sms}
          onChange={(event) => setSms(event.target.checked)}
        />
        SMS alerts to my verified phone
      </label>
      {!hasPhone && <p className="hint">Verify a phone number first to get alerts by SMS.</p>}
      <Field
        label="Webhook URL"
        type="url"
        inputMode="url"
        placeholder="https://example.com/cartwatch-hook"
        value={webhookUrl}
        onChange={(event) => setWebhookUrl(event.target.value)}
        error={webhookError}
        hint="Alerts are posted there as JSON, with an Idempotency-Key header. Public addresses only."
      />
      <FormError error={save.error} fieldPaths={['webhookUrl']} />
      {save.isSuccess && (
        <p role="status" className="notice">
          Saved.
        </p>
      )}
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
    </form>
  );
}

/** Push in this browser: permission, subscription (saved at the gateway) and the account's push switch. */
function PushSettings({ enabled }: { enabled: boolean }) {
  const { api, push } = useServices();
  const queryClient = useQueryClient();
  const current = useQuery({
    queryKey: ['notifications', 'push-subscription'],
    queryFn: () => push.current(),
    enabled: push.supported,
  });
  const setPushPreference = async (on: boolean) => {
    const preferences = queryClient.getQueryData<Preferences>(['notifications', 'preferences']);
    if (!preferences) return;
    const saved = unwrap(
      await api.PUT('/me/notifications', {
        body: { email: preferences.email, webhookUrl: preferences.webhookUrl, push: on },
      }),
    );
    queryClient.setQueryData(['notifications', 'preferences'], saved);
  };
  const turnOn = useMutation({
    mutationFn: async () => {
      const permission = await push.requestPermission();
      if (permission !== 'granted') throw new PushPermissionRefused();
      const { publicKey } = unwrap(await api.GET('/me/push/vapid-public-key'));
      const subscription = await push.subscribe(publicKey);
      const created = unwrap(await api.POST('/me/push-subscriptions', { body: subscription }));
      rememberSubscription(subscription.endpoint, created.id);
      await setPushPreference(true);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['notifications', 'push-subscription'] }),
  });
  const turnOff = useMutation({
    mutationFn: async () => {
      const endpoint = await push.unsubscribe();
      const id = endpoint ? forgetSubscription(endpoint) : undefined;
      if (id) {
        const { error, response } = await api.DELETE('/me/push-subscriptions/{id}', {
          params: { path: { id } },
        });
        if (error && response.status !== 404) unwrap({ error, response });
      }
      await setPushPreference(false);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['notifications', 'push-subscription'] }),
  });
  if (!push.supported)
    return <p className="muted">This browser cannot receive push notifications. Try installing the app.</p>;
  const subscribed = current.data !== null && current.data !== undefined;
  const blocked = push.permission() === 'denied';
  return (
    <div>
      <p data-testid="push-state">
        {subscribed && enabled
          ? 'Push notifications are on in this browser.'
          : blocked
            ? 'Notifications are blocked for CartWatch in this browser’s settings.'
            : 'Push notifications are off in this browser.'}
      </p>
      <div className="inline-form">
        {subscribed && enabled ? (
          <button
            type="button"
            className="secondary"
            onClick={() => turnOff.mutate()}
            disabled={turnOff.isPending}
          >
            Turn off push
          </button>
        ) : (
          <button type="button" onClick={() => turnOn.mutate()} disabled={turnOn.isPending || blocked}>
            Turn on push
          </button>
        )}
      </div>
      {turnOn.error instanceof PushPermissionRefused ? (
        <div role="alert" className="form-error">
          <p>{turnOn.error.message}</p>
        </div>
      ) : (
        <FormError error={turnOn.error ?? turnOff.error} />
      )}
    </div>
  );
}

function RecentDeliveries() {
  const { api } = useServices();
  const pages = useInfiniteQuery({
    queryKey: ['notifications', 'deliveries'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/me/notifications/deliveries', {
          params: { query: { limit: 20, ...(pageParam && { cursor: pageParam }) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = pages.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <QueryState query={pages}>
      {() =>
        items.length === 0 ? (
          <p className="muted">Nothing sent yet.</p>
        ) : (
          <>
            <table>
              <caption className="sr-only">Recent notifications</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {items.map((delivery) => (
                  <tr key={delivery.id} data-testid="delivery">
                    <td>{formatDateTime(delivery.createdAt)}</td>
                    <td>{delivery.title}</td>
                    <td>{CHANNEL_TEXT[delivery.channel]}</td>
                    <td className={delivery.status === 'failed' ? 'field-error' : undefined}>
                      {describeDelivery(delivery)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {pages.hasNextPage && (
              <button
                type="button"
                className="secondary"
                onClick={() => void pages.fetchNextPage()}
                disabled={pages.isFetchingNextPage}
              >
                Show more
              </button>
            )}
          </>
        )
      }
    </QueryState>
  );
}

export function NotificationsScreen() {
  const { api } = useServices();
  const session = useSession();
  const preferences = useQuery({
    queryKey: ['notifications', 'preferences'],
    queryFn: async () => unwrap(await api.GET('/me/notifications')),
  });
  const hasPhone = session.status === 'signed-in' && session.user.phone !== null;
  const [, rerender] = useState(0);
  // Permission changes outside the page (browser settings) show when the tab is back.
  useEffect(() => {
    const onVisible = () => rerender((n) => n + 1);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);
  return (
    <Page title="Notifications">
      <p>
        Alerts always show in <Link to={routes.alerts}>Alerts</Link>. Choose where else they go.
      </p>
      <QueryState query={preferences}>
        {(data) => (
          <>
            <section className="card" aria-labelledby="channels-heading">
              <h2 id="channels-heading">Channels</h2>
              <PreferencesForm preferences={data} hasPhone={hasPhone} />
            </section>
            <section className="card" aria-labelledby="push-heading">
              <h2 id="push-heading">Push notifications</h2>
              <PushSettings enabled={data.push} />
            </section>
          </>
        )}
      </QueryState>
      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Recently sent</h2>
        <RecentDeliveries />
      </section>
    </Page>
  );
}
