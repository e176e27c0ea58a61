/**
 * HTTP as an attacker or an unusual client speaks it, which supertest and fetch cannot: a request that
 * sends its headers with `Expect: 100-continue` and its body only when asked, and raw bytes on a socket
 * (oversized headers, a body trickled in byte by byte).
 */
import http from 'node:http';
import net from 'node:net';

export interface ContinueAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the server asked for the body with `100 Continue`. */
  continued: boolean;
}

/**
 * POSTs `body` to `url` with `Expect: 100-continue`, sending the body only after `100 Continue`.
 * `declaredLength` sets a Content-Length other than the body's (an oversized upload never sent).
 */
export function postExpectingContinue(
  url: string,
  options: { body: Buffer; headers?: Record<string, string>; declaredLength?: number },
): Promise<ContinueAnswer> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        ...options.headers,
        expect: '100-continue',
        'content-length': String(options.declaredLength ?? options.body.length),
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(options.body);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued });
        // The body was never asked for: the request stays unfinished on our side.
        if (!continued) req.destroy();
      });
    });
    req.on('error', (error) => {
      if (continued) reject(error);
    });
    req.flushHeaders();
  });
}

/**
 * Writes `head` on a raw socket to `url`'s host and port and resolves with everything the server sent
 * until it closed the connection; `trickle` then sends one byte every `everyMs` (a slowloris body).
 */
export function rawExchange(url: string, head: string, options: { trickle?: { everyMs: number } } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {});
    const every = options.trickle?.everyMs;
    const timer =
      every === undefined ? undefined : setInterval(() => socket.writable && socket.write('x'), every);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    });
    socket.write(head);
  });
}

/** The JSON body of a raw HTTP answer (after the blank line). */
export function rawBody(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}
