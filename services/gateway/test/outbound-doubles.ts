/**
 * Outbound doubles for webhook and push deliveries that never dial anything but loopback: a resolver
 * answering from a table, and a connector that records the checked address it was given and connects to
 * one loopback HTTP server instead (plain HTTP even for https URLs), which answers by host name and
 * records every request as the receiver saw it.
 */
import http from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Connector, ConnectTarget, OutboundTransport, Resolver } from '@cartwatch/service-kit/safe-http';

/** Every name resolves to one public address (the SSRF check passes; the connector decides where it goes). */
export const publicResolver: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];

/** Connects every target to 127.0.0.1:`port` over plain TCP (https too), as if the checked address answered. */
export function connectorTo(
  port: number,
  connected?: (target: ConnectTarget, socket: Socket) => void,
): Connector {
  return (target) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        connected?.(target, socket);
        resolve(socket);
      });
      socket.once('error', reject);
    });
}

export interface DialedRequest {
  /** The URL asked for (scheme from the connection, host from the Host header). */
  url: URL;
  /** The address the connector was told to dial: the one the SSRF check allowed. */
  address: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Answer = { status: number; location?: string };

/** Answers by host name (`answers`, else `fallback`); `dns` maps host names to addresses. */
export async function startFakeReceivers(
  dns: Record<string, string[]>,
  answers: Record<string, Answer> = {},
  fallback: (request: DialedRequest) => Answer = () => ({ status: 200 }),
) {
  const dialed: DialedRequest[] = [];
  /** Every target the connector was given, before it connects anywhere. */
  const connected: ConnectTarget[] = [];
  const targets = new Map<number, ConnectTarget>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = targets.get(req.socket.remotePort ?? 0);
      const url = new URL(req.url ?? '/', `${target?.tls ? 'https' : 'http'}://${req.headers.host}`);
      const request: DialedRequest = {
        url,
        address: target?.address ?? '',
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      dialed.push(request);
      const answer = answers[url.hostname] ?? fallback(request);
      res.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const transport: OutboundTransport = {
    async resolve(hostname) {
      const addresses = dns[hostname] ?? [];
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    connect: (target) => {
      connected.push(target);
      return connectorTo(port, (checked, socket) => targets.set(socket.localPort ?? 0, checked))(target);
    },
  };
  return {
    transport,
    dialed,
    connected,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
