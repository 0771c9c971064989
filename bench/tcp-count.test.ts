import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { countEstablished, establishedConnections } from './tcp-count.ts';

const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:D2A4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F90 0100007F:D2A6 06 00000000:00000000 03:00000DC2 00000000     0        0 0 3 0000000000000000
   4: 0100007F:1F91 0100007F:D2A8 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 20 4 30 10 -1
`;

describe('established connections on a port', () => {
  it('counts the server ends only: local port, ESTABLISHED; not the listener, the clients\' ends or TIME_WAIT', () => {
    expect(countEstablished(TABLE, 8080)).toBe(1);
    expect(countEstablished(TABLE, 8081)).toBe(1);
    expect(countEstablished('', 8080)).toBe(0);
  });

  it('sees a real server\'s connections come and go', async () => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const clients = await Promise.all(
      [1, 2, 3].map(() => new Promise<Socket>((resolve) => {
        const socket = createConnection(port, '127.0.0.1', () => resolve(socket));
      })),
    );
    await expect.poll(() => establishedConnections(port)).toBe(3);
    for (const client of clients) client.destroy();
    for (const socket of accepted) socket.destroy();
    await expect.poll(() => establishedConnections(port)).toBe(0);
    await new Promise((resolve) => server.close(resolve));
  });
});
