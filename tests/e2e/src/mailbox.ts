/**
 * The development mailbox the platform's gateway files e-mails and texts in (DEV_MAILBOX_FILE; no mail
 * or SMS provider is configured, and codes never go to the log): how end-to-end tests read a one-time code.
 */
import { readFile } from 'node:fs/promises';
import type { MailboxEntry } from '@cartwatch/gateway';
import { eventually } from './eventually.js';

export async function readMailbox(file: string): Promise<MailboxEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MailboxEntry);
}

/** The 6-digit code of the newest message to `to` (an e-mail address or a phone number) after `since`. */
export function waitForCode(file: string, to: string, since = new Date(0)): Promise<string> {
  return eventually(`a code for ${to} in the mailbox`, async () => {
    const entries = (await readMailbox(file)).filter(
      (entry) => entry.to === to && new Date(entry.at) >= since,
    );
    return /\b(\d{6})\b/.exec(entries.at(-1)?.text ?? '')?.[1];
  });
}
