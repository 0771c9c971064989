import type { HubSettings } from './types.ts';

/** Where and how one reference hub (server/main.ts) is to listen. */
export interface ReferenceHubLaunch extends Partial<HubSettings> {
  /** Path to server/main.ts as the hub process sees it. Default 'server/main.ts' (relative to its working directory). */
  main?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 lets the hub pick one and print it. */
  port: number;
}

/**
 * The reference hub's command line after `node`: tsx, server/main.ts and its
 * flags. The child-process and container runtimes and the bench all start
 * the hub through this, so a new flag is added in one place.
 */
export function referenceHubArgs(launch: ReferenceHubLaunch): string[] {
  return [
    '--import',
    'tsx',
    launch.main ?? 'server/main.ts',
    '--host',
    launch.host ?? '127.0.0.1',
    '--port',
    String(launch.port),
    ...(launch.pingIntervalMs ? ['--ping-interval', `${launch.pingIntervalMs}ms`] : []),
    ...(launch.defects ?? []).flatMap((d) => ['--defect', d]),
    ...(launch.tokens ?? []).flatMap((t) => ['--token', t]),
    ...(launch.adminTokens ?? []).flatMap((t) => ['--admin-token', t]),
    ...(launch.dbPath ? ['--db', launch.dbPath] : []),
  ];
}
