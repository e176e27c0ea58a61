/**
 * Notifications: how alerts reach the shopper besides the app (e-mail, SMS to the verified phone, a
 * webhook, web push in this browser), per alert type which of them are used and from what size of change,
 * the quiet hours, and what was sent lately, with what failed and why. Push asks the browser's permission
 * only when the shopper turns it on here.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
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
type AlertTypeRule = components['schemas']['AlertTypeRule'];
type AlertKind = keyof Preferences['types'];
type RuleChannel = 'email' | 'sms' | 'webhook' | 'push';

const ALERT_TYPE_TEXT: Record<AlertKind, string> = {
  'price-drop': 'Price drop',
  'target-price': 'Target price reached',
  'price-increase': 'Price increase',
  shrinkflation: 'Shrinkflation',
  coupon: 'Coupon',
  watch: 'Back in stock',
};
/** Types whose alerts carry a size of change: only they get a minimum. */
const WITH_CHANGE: readonly AlertKind[] = ['price-drop', 'price-increase', 'shrinkflation'];
const RULE_CHANNELS: readonly RuleChannel[] = ['email', 'sms', 'webhook', 'push'];

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

/** The saved channels, for the forms that only change the rules or the quiet hours. */
function channelsOf(preferences: Preferences) {
  return { email: preferences.email, webhookUrl: preferences.webhookUrl };
}

/** A minimum typed as text: empty = none; anything else is sent as a number for the API to judge. */
function minimumOf(text: string): number | null {
  return text.trim() === '' ? null : Number(text.replace(',', '.'));
}

function AlertTypesForm({ preferences }: { preferences: Preferences }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const kinds = Object.keys(ALERT_TYPE_TEXT) as AlertKind[];
  const [rules, setRules] = useState(preferences.types);
  const [minimums, setMinimums] = useState<Record<AlertKind, string>>(
    () =>
      Object.fromEntries(
        kinds.map((kind) => [kind, preferences.types[kind].minChangePct?.toString() ?? '']),
      ) as Record<AlertKind, string>,
  );
  const idPrefix = useId();
  const save = useMutation({
    mutationFn: async () => {
      const current = queryClient.getQueryData<Preferences>(['notifications', 'preferences']) ?? preferences;
      // Text that is no number at all is refused here, beside its field, like the API's own refusals.
      const notNumbers = WITH_CHANGE.filter((kind) => Number.isNaN(minimumOf(minimums[kind])));
      if (notNumbers.length > 0)
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          'request validation failed',
          notNumbers.map((kind) => ({
            path: `types.${kind}.minChangePct`,
            message: 'must be a number of percent, or empty for any change',
          })),
        );
      const types = Object.fromEntries(
        kinds.map((kind): [AlertKind, AlertTypeRule] => [
          kind,
          { ...rules[kind], minChangePct: WITH_CHANGE.includes(kind) ? minimumOf(minimums[kind]) : null },
        ]),
      ) as Preferences['types'];
      return unwrap(await api.PUT('/me/notifications', { body: { ...channelsOf(current), types } }));
    },
    onSuccess: (saved) => queryClient.setQueryData(['notifications', 'preferences'], saved),
  });
  const issue = (kind: AlertKind, field: string) =>
    save.error instanceof ApiError ? save.error.issueFor(`types.${kind}.${field}`) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const toggle = (kind: AlertKind, channel: RuleChannel, on: boolean) =>
    setRules((previous) => ({ ...previous, [kind]: { ...previous[kind], [channel]: on } }));
  const fieldPaths = kinds.flatMap((kind) => [
    `types.${kind}.minChangePct`,
    ...RULE_CHANNELS.map((channel) => `types.${kind}.${channel}`),
  ]);
  return (
    <form onSubmit={submit} className="form" aria-label="Alert types">
      <p className="hint">
        Which channels each kind of alert uses, and the smallest change worth a message. Smaller changes still
        show in Alerts.
      </p>
      <div className="table-scroll">
        <table>
          <caption className="sr-only">Channels and minimum change per alert type</caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              {RULE_CHANNELS.map((channel) => (
                <th scope="col" key={channel}>
                  {CHANNEL_TEXT[channel]}
                </th>
              ))}
              <th scope="col">Minimum change (%)</th>
            </tr>
          </thead>
          <tbody>
            {kinds.map((kind) => {
              const minimumError = issue(kind, 'minChangePct');
              const errorId = `${idPrefix}-${kind}-error`;
              return (
                <tr key={kind} data-testid="alert-type">
                  <th scope="row">{ALERT_TYPE_TEXT[kind]}</th>
                  {RULE_CHANNELS.map((channel) => (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        aria-label={`${ALERT_TYPE_TEXT[kind]}: ${CHANNEL_TEXT[channel]}`}
                        checked={rules[kind][channel]}
                        onChange={(event) => toggle(kind, channel, event.target.checked)}
                      />
                    </td>
                  ))}
                  <td>
                    {WITH_CHANGE.includes(kind) ? (
                      <>
                        <input
                          type="text"
                          inputMode="decimal"
                          size={5}
                          placeholder="any"
                          aria-label={`${ALERT_TYPE_TEXT[kind]}: minimum change in percent`}
                          value={minimums[kind]}
                          onChange={(event) =>
                            setMinimums((previous) => ({ ...previous, [kind]: event.target.value }))
                          }
                          {...(minimumError && { 'aria-invalid': true, 'aria-describedby': errorId })}
                        />
                        {minimumError && (
                          <small id={errorId} className="field-error">
                            {minimumError}
                          </small>
                        )}
                      </>
                    ) : (
                      <span className="muted">any</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <FormError error={save.error} fieldPaths={fieldPaths} />
      {save.isSuccess && (
        <p role="status" className="notice">
          Alert types saved.
        </p>
      )}
      <button type="submit" disabled={save.isPending}>
        Save alert types
      </button>
    </form>
  );
}

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function QuietHoursForm({ preferences }: { preferences: Preferences }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const saved = preferences.quietHours;
  const [on, setOn] = useState(saved !== null);
  const [start, setStart] = useState(saved?.start ?? '22:00');
  const [end, setEnd] = useState(saved?.end ?? '07:00');
  const [timeZone, setTimeZone] = useState(saved?.timeZone ?? browserTimeZone());
  const save = useMutation({
    mutationFn: async () => {
      const current = queryClient.getQueryData<Preferences>(['notifications', 'preferences']) ?? preferences;
      return unwrap(
        await api.PUT('/me/notifications', {
          body: {
            ...channelsOf(current),
            quietHours: on ? { start, end, timeZone: timeZone.trim() } : null,
          },
        }),
      );
    },
    onSuccess: (result) => queryClient.setQueryData(['notifications', 'preferences'], result),
  });
  const issue = (field: string) =>
    save.error instanceof ApiError ? save.error.issueFor(`quietHours.${field}`) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} className="form" aria-label="Quiet hours">
      <p className="hint">
        E-mail, SMS and push due in the quiet hours are sent when they end. Webhooks are sent at once.
      </p>
      <label className="choice">
        <input type="checkbox" checked={on} onChange={(event) => setOn(event.target.checked)} />
        Hold messages during quiet hours
      </label>
      {on && (
        <>
          <Field
            label="From"
            type="time"
            value={start}
            onChange={(event) => setStart(event.target.value)}
            error={issue('start')}
          />
          <Field
            label="Until"
            type="time"
            value={end}
            onChange={(event) => setEnd(event.target.value)}
            error={issue('end')}
            hint="Earlier than From: until the next morning."
          />
          <Field
            label="Time zone"
            value={timeZone}
            autoComplete="off"
            onChange={(event) => setTimeZone(event.target.value)}
            error={issue('timeZone')}
            hint="An IANA time zone such as Europe/Berlin."
          />
        </>
      )}
      <FormError
        error={save.error}
        fieldPaths={['quietHours.start', 'quietHours.end', 'quietHours.timeZone']}
      />
      {save.isSuccess && (
        <p role="status" className="notice">
          Quiet hours saved.
        </p>
      )}
      <button type="submit" disabled={save.isPending}>
        Save quiet hours
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
            <section className="card" aria-labelledby="types-heading">
              <h2 id="types-heading">Alert types</h2>
              <AlertTypesForm preferences={data} />
            </section>
            <section className="card" aria-labelledby="quiet-heading">
              <h2 id="quiet-heading">Quiet hours</h2>
              <QuietHoursForm preferences={data} />
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
