import { readFileSync } from 'node:fs';

/**
 * The kernel's count of a local server's connections, for a hub with no
 * metrics of its own: TCP sockets in ESTABLISHED whose local port is the
 * hub's listening port (the hub's ends of its connections; the clients'
 * ends have the port as their remote one). Linux's /proc/net/tcp and tcp6,
 * which list every socket of this network namespace.
 */

const ESTABLISHED = '01';

/** Connections counted in one /proc/net/tcp* text. */
export function countEstablished(table: string, port: number): number {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const line of table.split('\n')) {
    // "  sl  local_address rem_address   st ...": "0: 0100007F:1F90 0100007F:D2A4 01 ..."
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== ESTABLISHED) continue;
    if (fields[1]!.slice(fields[1]!.lastIndexOf(':') + 1) === portHex) count += 1;
  }
  return count;
}

export function establishedConnections(port: number): number {
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      count += countEstablished(readFileSync(file, 'utf8'), port);
    } catch {
      // No IPv6 in this kernel: nothing listed there.
    }
  }
  return count;
}
