/**
 * How the gateway reaches people: e-mail (SMTP through nodemailer) and text messages (a configurable HTTP
 * provider). Messages carry one-time codes, so they never go to the log: without a provider, development
 * appends them to a mailbox file (DEV_MAILBOX_FILE) that the developer (and the end-to-end tests) read,
 * and production does not start at all (config.ts). Tests pass their own implementation. nodemailer is
 * loaded by the first e-mail, not at start (bench/README.md, "memory").
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** `<delivery id@cartwatch>`: the same message retried keeps its Message-ID, so mail clients show it once. */
  messageId?: string;
}

export interface Notifier {
  sendEmail(message: EmailMessage): Promise<void>;
  sendSms(message: { to: string; text: string }): Promise<void>;
}

export interface NotifierConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  SMS_PROVIDER_URL?: string | undefined;
  SMS_PROVIDER_TOKEN?: string | undefined;
  DEV_MAILBOX_FILE: string;
  /** Longest an SMTP or SMS provider exchange may take (default 10 s). */
  DELIVERY_SEND_TIMEOUT_MS?: number;
}

/** One line of the development mailbox (JSON Lines). */
export interface MailboxEntry {
  at: string;
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
}

/**
 * Where a message without a provider goes: the development mailbox, never the log (only that a message
 * was filed, for whom, and where). Production has no mailbox: config.ts refuses to start without the
 * providers, and should one be missing anyway the delivery fails instead of leaking the code.
 */
function undeliverable(config: NotifierConfig, logger: Logger) {
  let created: Promise<unknown> | undefined;
  return async (entry: Omit<MailboxEntry, 'at'>): Promise<void> => {
    if (config.NODE_ENV === 'production') {
      throw new Error(`no ${entry.channel === 'email' ? 'SMTP_URL' : 'SMS_PROVIDER_URL'} configured`);
    }
    created ??= mkdir(path.dirname(config.DEV_MAILBOX_FILE), { recursive: true });
    await created;
    const line: MailboxEntry = { at: new Date().toISOString(), ...entry };
    await appendFile(config.DEV_MAILBOX_FILE, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    logger.info(
      { channel: entry.channel, to: entry.to, mailbox: config.DEV_MAILBOX_FILE },
      'message filed in the development mailbox (no provider configured)',
    );
  };
}

export function createNotifier(config: NotifierConfig, logger: Logger): Notifier {
  const timeoutMs = config.DELIVERY_SEND_TIMEOUT_MS ?? 10_000;
  const smtpUrl = config.SMTP_URL;
  let transport: Promise<Transporter> | undefined;
  const smtp = (url: string) => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      }),
    );
    return transport;
  };
  const file = undeliverable(config, logger);
  return {
    async sendEmail(message) {
      if (!smtpUrl) {
        await file({ channel: 'email', to: message.to, subject: message.subject, text: message.text });
        return;
      }
      await (await smtp(smtpUrl)).sendMail({ from: config.MAIL_FROM, ...message });
    },
    async sendSms(message) {
      if (!config.SMS_PROVIDER_URL) {
        await file({ channel: 'sms', to: message.to, text: message.text });
        return;
      }
      const response = await fetch(config.SMS_PROVIDER_URL, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.SMS_PROVIDER_TOKEN && { authorization: `Bearer ${config.SMS_PROVIDER_TOKEN}` }),
        },
        body: JSON.stringify({ to: message.to, text: message.text }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`SMS provider answered ${response.status}`);
    },
  };
}
