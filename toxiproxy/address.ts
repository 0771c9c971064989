import net from 'node:net';

/**
 * `host:port` strings as Toxiproxy's JSON carries them ("127.0.0.1:8080",
 * "localhost:0", "[::1]:9000", ":0").
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Splits `host:port`; undefined when it is not one (no port, port out of range). */
export function parseHostPort(address: string): HostPort | undefined {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65_535) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return undefined; // bare IPv6 needs brackets
  return { host, port };
}

/**
 * The host a proxy listener binds.
 *
 * `localhost` becomes 127.0.0.1 as in Go's resolver (Node may pick ::1).
 * An empty host means "every interface" to Go; we bind loopback instead,
 * because this harness must never open ports beyond the machine.
 */
export function listenHost(host: string): string {
  if (host === '' || host.toLowerCase() === 'localhost') return '127.0.0.1';
  return host;
}

/**
 * Whether a listen host stays on this machine: 127.0.0.0/8, ::1 (also
 * IPv4-mapped), `localhost`, or empty (which we bind as 127.0.0.1). Any other
 * name counts as not loopback: what it resolves to is not ours to trust.
 */
export function isLoopbackHost(host: string): boolean {
  const bound = listenHost(host);
  if (net.isIPv4(bound)) return bound.startsWith('127.');
  if (!net.isIPv6(bound)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bound)?.[1];
  if (mapped !== undefined) return mapped.startsWith('127.');
  return LOOPBACK_V6.check(bound, 'ipv6');
}

const LOOPBACK_V6 = new net.BlockList();
LOOPBACK_V6.addAddress('::1', 'ipv6');

/** Formats an address the way Go's `net.Addr.String()` does. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The form two listen strings are compared in, to tell if a proxy must restart. */
export function normalizeListen(address: string): string {
  const parsed = parseHostPort(address);
  return parsed === undefined ? address : formatHostPort(listenHost(parsed.host), parsed.port);
}
