/**
 * Being offline, said plainly. `useOnline` follows the browser's online/offline events; `OfflineNotice` is a status line that appears while offline: on signed-in screens what cannot be done
 * until the network is back, on public pages since when the copy on screen dates (the service worker keeps
 * `/public/*` answers; `servedAt` is the gateway's Date header of the copy shown).
 */
import { type ReactNode, useSyncExternalStore } from 'react';
import { formatDateTime } from '../format';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** Whether the browser has a network: `navigator.onLine`, updated on its events. */
export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => navigator.onLine,
    () => true,
  );
}

/** When the gateway answered (its Date header): for a copy the service worker kept, when it was saved. */
export function servedAt(response: Response): string | null {
  const date = response.headers.get('date');
  const time = date ? Date.parse(date) : Number.NaN;
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The oldest of some answers' dates: what a page built from several copies is at least as old as. */
export function oldestServed(dates: readonly (string | null | undefined)[]): string | null {
  const known = dates.filter((date): date is string => typeof date === 'string').sort();
  return known[0] ?? null;
}

/**
 * While offline: "You are offline." and `children` (what waits for the network); with `savedAt`, the
 * date of the saved copy on screen. Always rendered as a live region, so the change is announced.
 */
export function OfflineNotice({ children, savedAt }: { children?: ReactNode; savedAt?: string | null }) {
  const online = useOnline();
  return (
    <div role="status" className={online ? undefined : 'notice offline-notice'}>
      {!online && (
        <p className="offline-line">
          <strong>You are offline.</strong>{' '}
          {savedAt !== undefined &&
            (savedAt
              ? `Showing the copy saved on this device on ${formatDateTime(savedAt)}. `
              : 'Only what was saved on this device can be shown. ')}
          {children}
        </p>
      )}
    </div>
  );
}
