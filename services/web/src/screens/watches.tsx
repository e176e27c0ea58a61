/**
 * Watches: create one for a product or a shop URL, see them, check one now and see its runs, pause or
 * resume one and choose how often a shop page is checked (docs/price-watch.md, "Watches").
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, unwrap } from '../api/errors';
import { useApi } from '../app-context';
import { OfflineNotice, useOnline } from '../components/offline';
import { Field, FormError, Page, QueryState, SelectField } from '../components/ui';
import { formatDateTime, formatMoney } from '../format';
import { routes } from '../routes';

/** `"12.5"` -> 1250; empty -> undefined; anything else -> NaN (the form refuses it). */
export function parseMoneyInput(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!trimmed) return undefined;
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return Number.NaN;
  const [whole = '0', fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** The intervals offered, within the API's politeness bounds (60 minutes to 7 days; default 6 hours). */
export const checkIntervals: readonly { minutes: number; label: string }[] = [
  { minutes: 60, label: 'every hour' },
  { minutes: 180, label: 'every 3 hours' },
  { minutes: 360, label: 'every 6 hours' },
  { minutes: 720, label: 'every 12 hours' },
  { minutes: 1440, label: 'every day' },
  { minutes: 4320, label: 'every 3 days' },
  { minutes: 10080, label: 'every week' },
];

function intervalLabel(minutes: number): string {
  return checkIntervals.find((choice) => choice.minutes === minutes)?.label ?? `every ${minutes} minutes`;
}

/** The interval choices, with the watch's own when the API set one the list does not offer. */
function IntervalOptions({ current }: { current?: number | undefined }) {
  const choices =
    current === undefined || checkIntervals.some((choice) => choice.minutes === current)
      ? checkIntervals
      : [...checkIntervals, { minutes: current, label: intervalLabel(current) }].sort(
          (a, b) => a.minutes - b.minutes,
        );
  return (
    <>
      {choices.map((choice) => (
        <option key={choice.minutes} value={choice.minutes}>
          {choice.label}
        </option>
      ))}
    </>
  );
}

const intervalHint = 'Shops are checked politely: at most every hour, at least every week.';

function CreateWatchForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [target, setTarget] = useState('');
  const [checkInterval, setCheckInterval] = useState(360);
  const [problem, setProblem] = useState<string>();
  const create = useMutation({
    mutationFn: async (targetPriceCents: number | undefined) =>
      unwrap(
        await api.POST('/watches', {
          body: {
            url,
            checkIntervalMinutes: checkInterval,
            ...(targetPriceCents !== undefined ? { targetPriceCents } : { dropPct: 5 }),
          },
        }),
      ),
    onSuccess: () => {
      setUrl('');
      setTarget('');
      setCheckInterval(360);
      void queryClient.invalidateQueries({ queryKey: ['watches'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const cents = parseMoneyInput(target);
    if (Number.isNaN(cents)) {
      setProblem('Write the price like 3.99.');
      return;
    }
    setProblem(undefined);
    create.mutate(cents);
  };
  const issue = create.error instanceof ApiError ? create.error.issueFor('url') : undefined;
  const intervalIssue =
    create.error instanceof ApiError ? create.error.issueFor('checkIntervalMinutes') : undefined;
  return (
    <form onSubmit={submit} className="form">
      <h2>Watch a shop page</h2>
      <Field
        label="Product page URL"
        type="url"
        required
        value={url}
        onChange={(event) => setUrl(event.target.value)}
        error={issue}
      />
      <Field
        label="Alert me at or below (optional)"
        inputMode="decimal"
        hint="Without a price, you are alerted when it drops 5 % or more."
        value={target}
        onChange={(event) => setTarget(event.target.value)}
        error={problem}
      />
      <SelectField
        label="Check the page"
        hint={intervalHint}
        value={checkInterval}
        onChange={(event) => setCheckInterval(Number(event.target.value))}
        error={intervalIssue}
      >
        <IntervalOptions />
      </SelectField>
      <FormError error={create.error} fieldPaths={['url', 'checkIntervalMinutes']} />
      <button type="submit" disabled={create.isPending}>
        Watch
      </button>
      <p className="muted">
        To watch a product you bought, open it under <Link to={routes.products}>Products</Link>.
      </p>
    </form>
  );
}

export function WatchesScreen() {
  const api = useApi();
  const online = useOnline();
  const watches = useQuery({
    queryKey: ['watches', 'list'],
    queryFn: async () => unwrap(await api.GET('/watches', { params: { query: { limit: 100 } } })),
  });
  return (
    <Page title="Watches">
      <QueryState query={watches} empty={(page) => page.items.length === 0}>
        {(page) => (
          <ul className="plain">
            {page.items.map((watch) => (
              <li key={watch.id}>
                <Link to={routes.watch(watch.id)}>
                  {watch.url ?? `Product ${watch.productId?.slice(0, 8) ?? ''}`}
                </Link>{' '}
                <span className="muted">
                  {watch.paused && 'paused, '}
                  {watch.lastPriceCents !== null && watch.lastCurrency
                    ? `last ${formatMoney(watch.lastPriceCents, watch.lastCurrency)}`
                    : 'not checked yet'}
                  {watch.targetPriceCents !== null &&
                    `, target ${formatMoney(watch.targetPriceCents, watch.lastCurrency ?? 'USD')}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <OfflineNotice>New watches can be added once you are back online.</OfflineNotice>
      <fieldset className="bare" disabled={!online}>
        <CreateWatchForm />
      </fieldset>
    </Page>
  );
}

export function WatchScreen() {
  const api = useApi();
  const online = useOnline();
  const queryClient = useQueryClient();
  const { id = '' } = useParams();
  const watch = useQuery({
    queryKey: ['watches', 'one', id],
    queryFn: async () => unwrap(await api.GET('/watches/{id}', { params: { path: { id } } })),
  });
  const runs = useQuery({
    queryKey: ['watches', 'runs', id],
    queryFn: async () =>
      unwrap(await api.GET('/watches/{id}/runs', { params: { path: { id }, query: { limit: 20 } } })),
  });
  const check = useMutation({
    mutationFn: async () => unwrap(await api.POST('/watches/{id}/check', { params: { path: { id } } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['watches'] }),
  });
  const update = useMutation({
    mutationFn: async (body: { paused?: boolean; checkIntervalMinutes?: number }) =>
      unwrap(await api.PATCH('/watches/{id}', { params: { path: { id } }, body })),
    onSuccess: (updated) => queryClient.setQueryData(['watches', 'one', id], updated),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['watches', 'list'] }),
  });
  const intervalIssue =
    update.error instanceof ApiError ? update.error.issueFor('checkIntervalMinutes') : undefined;
  return (
    <Page title="Watch">
      <OfflineNotice>
        Pausing, resuming, checking and the check interval work once you are back online.
      </OfflineNotice>
      <QueryState query={watch}>
        {(w) => (
          <>
            <p>
              {w.url ? (
                <a href={w.url}>{w.url}</a>
              ) : (
                w.productId && <Link to={routes.product(w.productId)}>The product</Link>
              )}
            </p>
            <p className="muted">
              {w.lastCheckedAt ? `Last checked ${formatDateTime(w.lastCheckedAt)}` : 'Not checked yet'}
              {w.paused
                ? '. Paused: not checked and no alerts until you resume it.'
                : w.nextCheckAt && `, next check ${formatDateTime(w.nextCheckAt)}`}
            </p>
            <div className="inline-form">
              <button
                type="button"
                onClick={() => update.mutate({ paused: !w.paused })}
                disabled={update.isPending || !online}
              >
                {w.paused ? 'Resume' : 'Pause'}
              </button>
              {w.url && (
                <button
                  type="button"
                  onClick={() => check.mutate()}
                  disabled={check.isPending || w.paused || !online}
                >
                  Check now
                </button>
              )}
            </div>
            {w.url && w.checkIntervalMinutes !== null && (
              <SelectField
                label="Check the page"
                hint={intervalHint}
                value={w.checkIntervalMinutes}
                onChange={(event) => update.mutate({ checkIntervalMinutes: Number(event.target.value) })}
                disabled={update.isPending || !online}
                error={intervalIssue}
              >
                <IntervalOptions current={w.checkIntervalMinutes} />
              </SelectField>
            )}
            <FormError error={update.error} fieldPaths={['checkIntervalMinutes']} />
            <FormError error={check.error} />
          </>
        )}
      </QueryState>
      <h2>Runs</h2>
      <QueryState query={runs} empty={(page) => page.items.length === 0}>
        {(page) => (
          <table>
            <caption className="sr-only">Checks of this watch, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((run) => (
                <tr key={run.id}>
                  <td>{formatDateTime(run.startedAt)}</td>
                  <td className="num">
                    {run.priceCents !== null && run.currency
                      ? formatMoney(run.priceCents, run.currency)
                      : '–'}
                  </td>
                  <td>{run.error ? `Failed: ${run.error}` : `OK (${run.method ?? 'read'})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </Page>
  );
}
