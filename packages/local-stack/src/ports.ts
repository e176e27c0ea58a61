/** Free-port discovery for servers the local stack starts itself (never the standard ports, docs/architecture.md#operations). */
import net from 'node:net';

/** Asks the kernel for an unused TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

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
