/**
 * Store accounts: connect a retailer account (its credentials go to receipt-ingest, which stores them
 * encrypted and never returns them), see each account's sync status, sync one now and follow the job,
 * and disconnect. A store that refused the saved sign-in (409) asks for the password again; a store this
 * server has no sync adapter for (422) points to receipt import instead.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, describeError, unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { Field, FormError, Page, QueryState } from '../components/ui';
import { formatDateTime } from '../format';
import { routes } from '../routes';

type SyncAccountStatus = components['schemas']['SyncAccountStatus'];
type SyncJob = components['schemas']['SyncJob'];
type SyncErrorCode = NonNullable<SyncJob['errorCode']>;
type Retailer = components['schemas']['Retailer'];

const ACCOUNT_STATUS_TEXT: Record<SyncAccountStatus['accountStatus'], string> = {
  connected: 'Connected',
  syncing: 'Syncing',
  error: 'Last sync failed',
  reconnect_required: 'Needs your password again',
};

const JOB_STATE_TEXT: Record<SyncJob['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Finished',
  failed: 'Failed',
};

const SYNC_ERROR_TEXT: Record<SyncErrorCode, string> = {
  LOGIN_FAILED: 'the store refused the sign-in',
  PARSE_FAILED: 'the store’s pages could not be read',
  BLOCKED: 'the store blocked the sync',
  NETWORK: 'the store could not be reached',
  INTERNAL: 'something went wrong on the server',
};

/** `the store refused the sign-in (wrong password)`: the code in words, then the server's detail. */
export function describeSyncFailure(code: SyncErrorCode | null, message: string | null): string | undefined {
  if (!code && !message) return undefined;
  const words = code ? SYNC_ERROR_TEXT[code] : 'the sync failed';
  return message ? `${words} (${message})` : words;
}

/** What a refused "sync now" means for this shopper and store, in words. */
export function describeSyncRefusal(error: unknown, storeName: string): string {
  if (error instanceof ApiError) {
    if (error.status === 409 && error.code === 'CONFLICT')
      return `${storeName} refused your saved sign-in. Connect the store again with your current password.`;
    if (error.status === 422) return `This server cannot sync ${storeName} yet. Import its receipts instead.`;
    if (error.status === 404) return `${storeName} is not connected any more.`;
  }
  return describeError(error);
}

/** What a refused connect means, in words (503: the server has no key to store credentials with). */
export function describeConnectRefusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 503)
    return 'Connecting store accounts is not set up on this server. Import receipts instead.';
  return describeError(error);
}

const isActive = (state: SyncJob['state'] | null | undefined) => state === 'queued' || state === 'running';

function ConnectForm({ store, onDone }: { store: { slug: string; name: string }; onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const connect = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/me/stores/{slug}/connect', {
          params: { path: { slug: store.slug } },
          body: { username, password },
        }),
      ),
    onSuccess: () => {
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['store-accounts'] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    connect.mutate();
  };
  const issue = (path: string) =>
    connect.error instanceof ApiError ? connect.error.issueFor(path) : undefined;
  return (
    <form onSubmit={submit} className="form" aria-label={`Connect ${store.name}`}>
      <Field
        label={`${store.name} user name or e-mail`}
        autoComplete="username"
        required
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        error={issue('username')}
      />
      <Field
        label={`${store.name} password`}
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        error={issue('password')}
        hint="Stored encrypted; CartWatch uses it only to fetch your receipts."
      />
      {connect.error !== null && (
        <div role="alert" className="form-error">
          <p>{describeConnectRefusal(connect.error)}</p>
        </div>
      )}
      <div className="inline-form">
        <button type="submit" disabled={connect.isPending}>
          Connect {store.name}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function SyncJobView({ job }: { job: SyncJob }) {
  const failure = describeSyncFailure(job.errorCode, job.errorMessage);
  let text: ReactNode;
  if (job.state === 'succeeded')
    text = `Sync finished: ${job.importedCount} new receipt${job.importedCount === 1 ? '' : 's'}, ${job.alreadyKnownCount} already imported.`;
  else if (job.state === 'failed')
    text = `Sync failed after ${job.attempt} attempt${job.attempt === 1 ? '' : 's'}: ${failure ?? 'no reason given'}.`;
  else if (job.state === 'running') text = `Sync running (attempt ${job.attempt} of ${job.maxAttempts}).`;
  else
    text = `Sync queued, starts after ${formatDateTime(job.runAfter)}${failure ? `; the last attempt failed: ${failure}` : ''}.`;
  return (
    <p role="status" data-testid="sync-job">
      {text}
    </p>
  );
}

/** "Sync now" (in a row with the account's other actions) and the job it started, polled until it ends. */
function SyncNow({
  account,
  onReconnect,
  children,
}: {
  account: SyncAccountStatus;
  onReconnect: () => void;
  children: ReactNode;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string>();
  const sync = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/scraping/{slug}/sync', { params: { path: { slug: account.storeSlug } } })),
    onSuccess: (job) => {
      queryClient.setQueryData(['store-accounts', 'job', job.id], job);
      setJobId(job.id);
      void queryClient.invalidateQueries({ queryKey: ['store-accounts', 'status'] });
    },
  });
  const job = useQuery({
    queryKey: ['store-accounts', 'job', jobId],
    queryFn: async () =>
      unwrap(await api.GET('/scraping/jobs/{id}', { params: { path: { id: jobId ?? '' } } })),
    enabled: jobId !== undefined,
    refetchInterval: (query) => (isActive(query.state.data?.state) ? 3_000 : false),
  });
  const state = job.data?.state;
  useEffect(() => {
    // The job ended: the account's status and the purchases it imported changed.
    if (state && !isActive(state)) {
      void queryClient.invalidateQueries({ queryKey: ['store-accounts', 'status'] });
      void queryClient.invalidateQueries({ queryKey: ['purchases'] });
    }
  }, [state, queryClient]);
  const refusedForCredentials =
    sync.error instanceof ApiError && sync.error.status === 409 && sync.error.code === 'CONFLICT';
  const refusedForAdapter = sync.error instanceof ApiError && sync.error.status === 422;
  return (
    <>
      <div className="inline-form">
        <button type="button" onClick={() => sync.mutate()} disabled={sync.isPending || isActive(state)}>
          Sync now<span className="sr-only"> {account.storeName}</span>
        </button>
        {children}
      </div>
      {job.data && <SyncJobView job={job.data} />}
      {sync.error !== null && (
        <div role="alert" className="form-error">
          <p>{describeSyncRefusal(sync.error, account.storeName)}</p>
          {refusedForCredentials && (
            <button type="button" className="link" onClick={onReconnect}>
              Connect {account.storeName} again
            </button>
          )}
          {refusedForAdapter && <Link to={routes.importReceipt}>Import a receipt</Link>}
        </div>
      )}
    </>
  );
}

function AccountCard({ account }: { account: SyncAccountStatus }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [reconnecting, setReconnecting] = useState(false);
  const disconnect = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/me/stores/{slug}', { params: { path: { slug: account.storeSlug } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['store-accounts'] }),
  });
  const failure = describeSyncFailure(account.errorCode, account.errorMessage);
  const headingId = `account-${account.storeSlug}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{account.storeName}</h2>
      <p>
        <strong data-testid="account-status">{ACCOUNT_STATUS_TEXT[account.accountStatus]}</strong>
        {account.state && ` · latest sync: ${JOB_STATE_TEXT[account.state].toLowerCase()}`}
      </p>
      <dl className="facts">
        <dt>Last synced</dt>
        <dd>{account.lastSuccessAt ? formatDateTime(account.lastSuccessAt) : 'never'}</dd>
        {account.lastRunAt && account.lastRunAt !== account.lastSuccessAt && (
          <>
            <dt>Last attempt</dt>
            <dd>{formatDateTime(account.lastRunAt)}</dd>
          </>
        )}
        <dt>Next sync</dt>
        <dd>{account.nextRunAt ? formatDateTime(account.nextRunAt) : 'none planned'}</dd>
        {account.state === 'succeeded' && (
          <>
            <dt>Latest sync found</dt>
            <dd>
              {account.importedCount} new, {account.alreadyKnownCount} already imported
            </dd>
          </>
        )}
        {failure && (
          <>
            <dt>Problem</dt>
            <dd className="field-error">{failure}</dd>
          </>
        )}
      </dl>
      {account.accountStatus === 'reconnect_required' && !reconnecting && (
        <p className="notice">
          {account.storeName} refused your saved sign-in. Connect it again to keep syncing.
        </p>
      )}
      {reconnecting ? (
        <ConnectForm
          store={{ slug: account.storeSlug, name: account.storeName }}
          onDone={() => setReconnecting(false)}
        />
      ) : (
        <SyncNow account={account} onReconnect={() => setReconnecting(true)}>
          <button type="button" className="secondary" onClick={() => setReconnecting(true)}>
            {account.accountStatus === 'reconnect_required' ? 'Connect again' : 'Change password'}
            <span className="sr-only"> for {account.storeName}</span>
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => disconnect.mutate()}
            disabled={disconnect.isPending}
          >
            Disconnect<span className="sr-only"> {account.storeName}</span>
          </button>
        </SyncNow>
      )}
      <FormError error={disconnect.error} />
    </section>
  );
}

function ConnectableStores({ stores }: { stores: Retailer[] }) {
  const [open, setOpen] = useState<string>();
  if (stores.length === 0)
    return <p className="muted">No more stores can be connected here. Import receipts for the others.</p>;
  return (
    <ul className="plain">
      {stores.map((store) => (
        <li key={store.slug}>
          {open === store.slug ? (
            <ConnectForm store={store} onDone={() => setOpen(undefined)} />
          ) : (
            <button type="button" className="secondary" onClick={() => setOpen(store.slug)}>
              Connect {store.name}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

export function StoreAccountsScreen() {
  const api = useApi();
  const status = useQuery({
    queryKey: ['store-accounts', 'status'],
    queryFn: async () => unwrap(await api.GET('/scraping/status', { params: { query: { limit: 100 } } })),
  });
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });
  const connected = new Set(status.data?.items.map((account) => account.storeSlug));
  const syncable = (stores.data?.items ?? []).filter(
    (store) => store.ingestionMethods.includes('sync') && !connected.has(store.slug),
  );
  return (
    <Page title="Store accounts">
      <p>
        Connect your account at a store and CartWatch fetches your receipts from it, about every few hours or
        when you ask.
      </p>
      <QueryState query={status}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No store connected yet.</p>
          ) : (
            <div className="cards wide">
              {page.items.map((account) => (
                <AccountCard key={account.storeSlug} account={account} />
              ))}
            </div>
          )
        }
      </QueryState>
      <h2>Connect a store</h2>
      <QueryState query={stores}>{() => <ConnectableStores stores={syncable} />}</QueryState>
    </Page>
  );
}
