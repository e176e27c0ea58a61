/**
 * Settings › Your data: "Download all my data" asks the gateway for an export of the whole account
 * (POST /me/export), follows the job while it is built (GET /me/export/{id}, every second) and offers the
 * zip once ready. The job id is kept in this browser's storage, so leaving the screen does not lose it.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { ApiError, unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useServices } from '../app-context';
import { FormError } from '../components/ui';
import { formatDateTime } from '../format';
import { filenameOf, saveFile } from './download-file';

type AccountExport = components['schemas']['AccountExport'];

const storageKey = (userId: string) => `cartwatch:export:${userId}`;

function storedId(userId: string): string | undefined {
  try {
    return localStorage.getItem(storageKey(userId)) ?? undefined;
  } catch {
    return undefined;
  }
}

function store(userId: string, id: string | undefined): void {
  try {
    if (id === undefined) localStorage.removeItem(storageKey(userId));
    else localStorage.setItem(storageKey(userId), id);
  } catch {
    // Private mode without storage: the export is followed while the screen stays open.
  }
}

const active = (job: AccountExport | undefined) => job?.status === 'queued' || job?.status === 'running';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function JobState({ job }: { job: AccountExport }) {
  switch (job.status) {
    case 'queued':
      return (
        <p>
          Waiting to start…
          {job.error && <> The last try failed ({job.error}); trying again shortly.</>}
        </p>
      );
    case 'running':
      return (
        <p>
          Collecting your data: {job.progress.done} of {job.progress.total} parts.
        </p>
      );
    case 'ready':
      return (
        <p>
          Your data is ready ({formatBytes(job.sizeBytes ?? 0)})
          {job.expiresAt && <>, available until {formatDateTime(job.expiresAt)}</>}.
        </p>
      );
    case 'failed':
      return (
        <p className="form-error">The export failed: {job.error ?? 'unknown reason'}. Try again later.</p>
      );
    case 'expired':
      return <p>That export has expired. Ask for a new one.</p>;
  }
}

export function ExportSection({ userId }: { userId: string }) {
  const { api } = useServices();
  const headingId = useId();
  const progressId = useId();
  const [exportId, setExportId] = useState<string | undefined>(() => storedId(userId));
  const follow = (id: string | undefined) => {
    store(userId, id);
    setExportId(id);
  };
  const job = useQuery({
    queryKey: ['me', 'export', exportId],
    enabled: exportId !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/me/export/{id}', { params: { path: { id: exportId as string } } })),
    refetchInterval: (query) => (active(query.state.data) ? 1_000 : false),
    retry: (failures, error) => !(error instanceof ApiError && error.status === 404) && failures < 2,
  });
  // An export this browser remembers but the account no longer has (its record was deleted).
  const gone = job.error instanceof ApiError && job.error.status === 404;
  useEffect(() => {
    if (gone) {
      store(userId, undefined);
      setExportId(undefined);
    }
  }, [gone, userId]);
  const create = useMutation({
    mutationFn: async (): Promise<string> => {
      const result = await api.POST('/me/export');
      // One is already being built (asked from another device): follow that one.
      const running = (result.error as { error?: { details?: { exportId?: unknown } } } | undefined)?.error
        ?.details?.exportId;
      if (result.response.status === 409 && typeof running === 'string') return running;
      return unwrap(result).id;
    },
    onSuccess: (id) => follow(id),
  });
  const download = useMutation({
    mutationFn: async (id: string) => {
      const result = await api.GET('/me/export/{id}/download', {
        params: { path: { id } },
        parseAs: 'blob',
      });
      const blob = unwrap(result) as unknown as Blob;
      saveFile(blob, filenameOf(result.response, 'cartwatch-export.zip'));
    },
    onSettled: () => void job.refetch(),
  });
  const current = exportId === undefined ? undefined : job.data;
  const busy = create.isPending || active(current);
  return (
    <section className="card stack" aria-labelledby={headingId}>
      <h2 id={headingId}>Your data</h2>
      <p>
        Download everything CartWatch keeps about you: profile and notification settings, purchases with their
        lines (also as a CSV you can import into another account), store connections (never their passwords),
        watches, alerts, shopping lists, clipped coupons and orders, as one zip file. It is prepared in the
        background and kept for a day (an hour after you download it).
      </p>
      <button type="button" onClick={() => create.mutate()} disabled={busy} aria-describedby={progressId}>
        {create.isPending ? 'Asking…' : 'Download all my data'}
      </button>
      <FormError error={create.error} />
      <div id={progressId} role="status" aria-live="polite">
        {current && <JobState job={current} />}
        {current && active(current) && (
          <progress
            value={current.status === 'running' ? current.progress.done : 0}
            max={current.progress.total}
            aria-label="Export progress"
          />
        )}
      </div>
      {current?.status === 'ready' && (
        <button
          type="button"
          className="secondary"
          onClick={() => download.mutate(current.id)}
          disabled={download.isPending}
        >
          {download.isPending ? 'Downloading…' : 'Download the zip'}
        </button>
      )}
      <FormError error={download.error} />
      {job.error && !gone && <FormError error={job.error} />}
    </section>
  );
}
