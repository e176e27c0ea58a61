/**
 * The local mail catcher of `pnpm start` and the end-to-end tests: an SMTP server (`smtp-server`) that
 * keeps every e-mail the gateway sends (parsed by `mailparser`), an HTTP endpoint the gateway's
 * SMS_PROVIDER_URL posts texts to (`POST /sms {to, text}`, as docs/gateway.md describes the provider), an
 * inbox page showing both (`GET /`) and a JSON API the tests read (`GET /api/messages`).
 *
 * Both packages come from the nodemailer project, which the gateway already sends with: maintained, no
 * native code, no browser bundle to vendor (packages/local-stack/README.md says why these).
 * Everything is kept in memory, newest last, at most `maxMessages`; it listens on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
  id: string;
  /** When it arrived (ISO 8601). */
  at: string;
  channel: 'email' | 'sms';
  /** The envelope recipients (e-mail) or the phone number (text). */
  to: string[];
  from?: string;
  subject?: string;
  text: string;
}

export interface MailCatcherOptions {
  /** 0 (default) = a free port. */
  smtpPort?: number;
  httpPort?: number;
  /** Bearer token `POST /sms` requires when set (the gateway's SMS_PROVIDER_TOKEN). */
  smsToken?: string;
  maxMessages?: number;
}

export interface MailCatcher {
  /** The gateway's SMTP_URL. */
  smtpUrl: string;
  /** The gateway's SMS_PROVIDER_URL. */
  smsUrl: string;
  /** The inbox page; `${url}/api/messages` is the JSON API. */
  url: string;
  messages(): CaughtMessage[];
  stop(): Promise<void>;
}

const MAX_EMAIL_BYTES = 5 * 1024 * 1024;
const MAX_SMS_BYTES = 16 * 1024;

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const maxMessages = options.maxMessages ?? 1000;
  const messages: CaughtMessage[] = [];
  const keep = (message: Omit<CaughtMessage, 'id' | 'at'>) => {
    messages.push({ id: randomUUID(), at: new Date().toISOString(), ...message });
    if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
  };

  const smtp = new SMTPServer({
    // Local and plain: no TLS certificate to make, no login (the gateway sends without one).
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_EMAIL_BYTES,
    banner: 'CartWatch local mail catcher',
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          keep({
            channel: 'email',
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            ...(session.envelope.mailFrom && { from: session.envelope.mailFrom.address }),
            ...(mail.subject !== undefined && { subject: mail.subject }),
            text: mail.text ?? '',
          });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  smtp.on('error', () => {
    // A client that hangs up mid-message; the server keeps serving.
  });

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: 'mail catcher failed' } });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://catcher.invalid');
    if (req.method === 'POST' && url.pathname === '/sms') {
      if (options.smsToken && req.headers.authorization !== `Bearer ${options.smsToken}`) {
        json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'wrong or missing bearer token' } });
        return;
      }
      const body = await readBody(req, MAX_SMS_BYTES);
      const parsed = parseSms(body);
      if (!parsed) {
        json(res, 400, { error: { code: 'VALIDATION', message: 'expected JSON {to, text} (strings)' } });
        return;
      }
      keep({ channel: 'sms', to: [parsed.to], text: parsed.text });
      json(res, 202, { accepted: true });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/messages') {
      const to = url.searchParams.get('to')?.toLowerCase();
      const items = messages.filter(
        (message) => to === undefined || message.to.some((recipient) => recipient.toLowerCase() === to),
      );
      json(res, 200, { items });
      return;
    }
    if (req.method === 'DELETE' && url.pathname === '/api/messages') {
      messages.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(inboxPage(messages));
      return;
    }
    json(res, 404, { error: { code: 'NOT_FOUND', message: 'no such page' } });
  }

  const smtpPort = await listen(smtp.server, options.smtpPort ?? 0);
  const httpPort = await listen(server, options.httpPort ?? 0).catch(async (error: unknown) => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  });
  const url = `http://127.0.0.1:${httpPort}`;
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    smsUrl: `${url}/sms`,
    url,
    messages: () => [...messages],
    async stop() {
      server.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}

function listen(server: http.Server | import('node:net').Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > maxBytes) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function parseSms(body: string): { to: string; text: string } | undefined {
  try {
    const value = JSON.parse(body) as { to?: unknown; text?: unknown };
    if (typeof value.to === 'string' && value.to !== '' && typeof value.text === 'string')
      return { to: value.to, text: value.text };
  } catch {
    // not JSON
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Newest first; refreshes itself every 5 seconds (no script, so the page's CSP allows none). */
function inboxPage(messages: readonly CaughtMessage[]): string {
  const items = [...messages]
    .reverse()
    .map(
      (message) => `<article class="${message.channel}">
<header><span class="channel">${message.channel === 'email' ? 'E-mail' : 'Text'}</span>
<strong>${escapeHtml(message.to.join(', '))}</strong> <time datetime="${message.at}">${escapeHtml(message.at.replace('T', ' ').slice(0, 19))} UTC</time></header>
${message.subject === undefined ? '' : `<h2>${escapeHtml(message.subject)}</h2>`}
<pre>${escapeHtml(message.text)}</pre></article>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>CartWatch local inbox (${messages.length})</title><style>
body{font:15px system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
article{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
article.sms{border-left:4px solid #2a7}article.email{border-left:4px solid #27c}
.channel{font-size:.8em;text-transform:uppercase;color:#555;margin-right:.5rem}
time{color:#777;font-size:.85em;margin-left:.5rem}h2{font-size:1.05em;margin:.5rem 0}
pre{white-space:pre-wrap;font:inherit;margin:.25rem 0}</style></head><body>
<h1>CartWatch local inbox</h1>
<p>Every e-mail and text the gateway sends while running locally, newest first (kept in memory until
<code>pnpm start</code> stops). JSON: <a href="/api/messages">/api/messages</a>.</p>
${items || '<p>No messages yet.</p>'}
</body></html>`;
}
