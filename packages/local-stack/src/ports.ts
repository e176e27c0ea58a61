/** Free-port discovery for servers the local stack starts itself (never the standard ports, docs/architecture.md#operations). */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The kernel's range for the local ports of outgoing connections (Linux; 32768-60999 elsewhere). */
export async function ephemeralPortRange(): Promise<{ low: number; high: number }> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return low && high ? { low, high } : { low: 32_768, high: 60_999 };
}

/** How long a port handed out stays reserved for its caller's server to start listening on it. */
const RESERVATION_MS = 10 * 60_000;
const reservations = path.join(os.tmpdir(), 'cartwatch-ports');

/**
 * Reserves `port` across processes until its server listens (a file created exclusively; one older than
 * RESERVATION_MS is stale and taken over). False when another caller holds it.
 */
async function reserve(port: number): Promise<boolean> {
  const file = path.join(reservations, String(port));
  try {
    await writeFile(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const stale = await stat(file).then(
      (info) => Date.now() - info.mtimeMs > RESERVATION_MS,
      () => true,
    );
    if (!stale) return false;
    await writeFile(file, String(process.pid));
    return true;
  }
}

/**
 * An unused TCP port on 127.0.0.1 for a server about to start. Taken below the kernel's ephemeral range,
 * so that no outgoing connection (a pool's, a client's) is given it before the server listens, which
 * `listen(0)` cannot promise: its ports are ephemeral ones. Reserved across processes, so that two
 * platforms started at once never pick the same one.
 */
export async function findFreePort(): Promise<number> {
  const { low } = await ephemeralPortRange();
  const floor = Math.max(1_025, low - 12_000);
  await mkdir(reservations, { recursive: true });
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (STANDARD_PORTS.has(port) || handedOut.has(port)) continue;
    handedOut.add(port);
    if ((await isPortFree(port)) && (await reserve(port))) return port;
  }
  throw new Error(`no free port found between ${floor} and ${low - 1}`);
}

/** Ports this process handed out (the reservation files are shared; this also spares the file system). */
const handedOut = new Set<number>();
const STANDARD_PORTS = new Set([4222, 5432, 6379, 8222]);

/** True when nothing listens on 127.0.0.1:<port> right now (used to keep a remembered port across restarts). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A remembered port when it is still free, else a fresh one; `requested` always wins. */
export async function choosePort(
  requested: number | undefined,
  remembered: number | undefined,
): Promise<number> {
  if (requested !== undefined) return requested;
  if (remembered !== undefined && (await isPortFree(remembered))) return remembered;
  return findFreePort();
}
