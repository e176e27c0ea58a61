/**
 * The platform's local mail catcher (@cartwatch/local-stack), read as a person reads its inbox: every
 * e-mail and text the gateway sends goes there through SMTP_URL and SMS_PROVIDER_URL, exactly as with
 * `pnpm start`. Tests read its JSON API (`GET /api/messages?to=`).
 */
import type { CaughtMessage } from '@cartwatch/local-stack';
import { eventually } from './eventually.js';

export type { CaughtMessage };

/** Every message to `to` (an e-mail address or a phone number, case-insensitive), oldest first; all without `to`. */
export async function readMailbox(catcherUrl: string, to?: string): Promise<CaughtMessage[]> {
  const url = new URL('/api/messages', catcherUrl);
  if (to !== undefined) url.searchParams.set('to', to);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the mail catcher answered ${response.status}`);
  return ((await response.json()) as { items: CaughtMessage[] }).items;
}

/** The 6-digit code of the newest message to `to` after `since`. */
export function waitForCode(catcherUrl: string, to: string, since = new Date(0)): Promise<string> {
  return eventually(`a code for ${to} in the mailbox`, async () => {
    const entries = (await readMailbox(catcherUrl, to)).filter((entry) => new Date(entry.at) >= since);
    return /\b(\d{6})\b/.exec(entries.at(-1)?.text ?? '')?.[1];
  });
}
