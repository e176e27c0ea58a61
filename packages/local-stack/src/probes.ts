/**
 * Quick "is something usable listening there?" checks for Postgres, NATS and Redis, with short timeouts.
 * They answer false instead of throwing, so callers can decide between "use it" and "start our own".
 * NATS and Redis are probed with a few lines of their wire protocols, so this package needs no client
 * libraries for them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';

export interface ProbeOptions {
  /** Whole-probe deadline. Default 1500 ms. */
  timeoutMs?: number;
}

export interface NatsProbeOptions extends ProbeOptions {
  /** Also require a working JetStream API (`$JS.API.INFO` answers without error). Default false. */
  jetstream?: boolean;
}

const DEFAULT_TIMEOUT_MS = 1_500;

/** Connects and runs `select 1`. */
export async function isPostgresReachable(url: string, options: ProbeOptions = {}): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'cartwatch-probe',
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * NATS: reads the server's INFO, sends CONNECT (with credentials from the URL) and PING, expects PONG.
 * With `jetstream: true` it also asks `$JS.API.INFO`. `url` may be a comma-separated server list; the probe
 * succeeds when any server answers. A TLS-only server counts as reachable once it sent INFO.
 */
export async function isNatsReachable(url: string, options: NatsProbeOptions = {}): Promise<boolean> {
  const servers = url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
  const results = await Promise.all(servers.map((server) => probeNatsServer(server, options)));
  return results.includes(true);
}

async function probeNatsServer(server: string, options: NatsProbeOptions): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(server.includes('://') ? server : `nats://${server}`);
  } catch {
    return false;
  }
  const conversation = await ProbeConversation.open(url, 4222, false, options.timeoutMs);
  if (!conversation) return false;
  try {
    const greeting = await conversation.waitFor((text) => text.includes('\r\n'));
    if (!greeting.startsWith('INFO ')) return false;
    const info = parseJsonObject(greeting.slice(5, greeting.indexOf('\r\n')));
    if (info?.tls_required === true) return !options.jetstream;
    if (options.jetstream && info?.jetstream !== true) return false;
    const connect: Record<string, unknown> = {
      verbose: false,
      pedantic: false,
      protocol: 1,
      name: 'cartwatch-probe',
    };
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    if (user && pass) Object.assign(connect, { user, pass });
    else if (user) connect.auth_token = user;
    conversation.consume();
    conversation.write(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
    const pong = await conversation.waitFor((text) => /PONG\r\n|-ERR[^\r]*\r\n/.test(text));
    if (!pong.includes('PONG')) return false;
    if (!options.jetstream) return true;
    const inbox = `_INBOX.cartwatch_probe_${randomBytes(6).toString('hex')}`;
    conversation.consume();
    conversation.write(`SUB ${inbox} 1\r\nPUB $JS.API.INFO ${inbox} 0\r\n\r\n`);
    const reply = await conversation.waitFor((text) => natsMessagePayload(text) !== undefined);
    const payload = parseJsonObject(natsMessagePayload(reply) ?? '');
    return payload?.type === 'io.nats.jetstream.api.v1.account_info_response' && payload.error === undefined;
  } catch {
    return false;
  } finally {
    conversation.close();
  }
}

/** Redis: optional AUTH from the URL, then PING, expects +PONG. `rediss://` probes over TLS. */
export async function isRedisReachable(url: string, options: ProbeOptions = {}): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const conversation = await ProbeConversation.open(
    parsed,
    6379,
    parsed.protocol === 'rediss:',
    options.timeoutMs,
  );
  if (!conversation) return false;
  try {
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    if (pass) {
      conversation.write(respCommand(user ? ['AUTH', user, pass] : ['AUTH', pass]));
      const auth = await conversation.waitFor((text) => text.includes('\r\n'));
      if (!auth.startsWith('+OK')) return false;
      conversation.consume();
    }
    conversation.write(respCommand(['PING']));
    const reply = await conversation.waitFor((text) => text.includes('\r\n'));
    return reply.startsWith('+PONG');
  } catch {
    return false;
  } finally {
    conversation.close();
  }
}

/** The payload of the first complete `MSG <subject> <sid> <bytes>` frame in `text`, if one has fully arrived. */
function natsMessagePayload(text: string): string | undefined {
  const header = /MSG \S+ \d+ (\d+)\r\n/.exec(text);
  if (!header) return undefined;
  const body = Buffer.from(text.slice(header.index + header[0].length));
  const length = Number(header[1]);
  return body.length >= length + 2 ? body.subarray(0, length).toString('utf8') : undefined;
}

function respCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A socket with an overall deadline, collecting what the server sends so a probe can wait for patterns. */
class ProbeConversation {
  private received = '';
  private ended = false;
  private waiter: (() => void) | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timer: NodeJS.Timeout,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.waiter?.();
    });
    const end = () => {
      this.ended = true;
      this.waiter?.();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  /** Resolves undefined when the connection cannot be made before the deadline. */
  static open(
    url: URL,
    defaultPort: number,
    useTls: boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<ProbeConversation | undefined> {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    const port = url.port ? Number(url.port) : defaultPort;
    return new Promise((resolve) => {
      const socket = useTls ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error('probe timed out')), timeoutMs);
      timer.unref();
      const onError = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.once(useTls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onError);
        resolve(new ProbeConversation(socket, timer));
      });
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Forgets what was received so far, so the next wait sees only new data. */
  consume(): void {
    this.received = '';
  }

  waitFor(test: (received: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (test(this.received)) {
          this.waiter = undefined;
          resolve(this.received);
        } else if (this.ended) {
          this.waiter = undefined;
          reject(new Error('connection closed'));
        }
      };
      this.waiter = check;
      check();
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }
}
