/**
 * How the gateway reaches people: e-mail (SMTP through nodemailer, or the log in development) and text
 * messages (a configurable HTTP provider, or the log). Tests pass their own implementation.
 */
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Notifier {
  sendEmail(message: EmailMessage): Promise<void>;
  sendSms(message: { to: string; text: string }): Promise<void>;
}

export interface NotifierConfig {
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  SMS_PROVIDER_URL?: string | undefined;
  SMS_PROVIDER_TOKEN?: string | undefined;
}

/** Writes messages to the log instead of sending them (development without SMTP / SMS provider). */
function logDelivery(logger: Logger, channel: string, to: string, text: string): void {
  logger.info({ channel, to, text }, 'message not sent (no provider configured); logged instead');
}

export function createNotifier(config: NotifierConfig, logger: Logger): Notifier {
  const transport = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : undefined;
  return {
    async sendEmail(message) {
      if (!transport) {
        logDelivery(logger, 'email', message.to, `${message.subject}\n${message.text}`);
        return;
      }
      await transport.sendMail({ from: config.MAIL_FROM, ...message });
    },
    async sendSms(message) {
      if (!config.SMS_PROVIDER_URL) {
        logDelivery(logger, 'sms', message.to, message.text);
        return;
      }
      const response = await fetch(config.SMS_PROVIDER_URL, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.SMS_PROVIDER_TOKEN && { authorization: `Bearer ${config.SMS_PROVIDER_TOKEN}` }),
        },
        body: JSON.stringify({ to: message.to, text: message.text }),
        signal: AbortSignal.timeout(10_000),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`SMS provider answered ${response.status}`);
    },
  };
}
