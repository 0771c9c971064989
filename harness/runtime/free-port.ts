import { createServer } from 'node:net';

/**
 * A port nobody listens on right now, found by letting the kernel pick one.
 * With host networking the container binds it after we close it; another
 * process could take it in between, which is rare enough for tests.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no port from ${host}:0`))));
    });
  });
}
