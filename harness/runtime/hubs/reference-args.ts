import type { NodeEntry } from '../../../common/layout.ts';
import type { HubSettings } from './types.ts';

/** Where and how one reference hub (server/main.ts) is to listen. */
export interface ReferenceHubLaunch extends Partial<HubSettings> {
  /** The hub's entry as the hub process sees it. Default: 'server/main.ts' through tsx, relative to its working directory (the repository, or the container image built from it). */
  main?: NodeEntry;
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 lets the hub pick one and print it. */
  port: number;
}

/** The container image and the bench run the hub from the repository's sources. */
const SOURCE_MAIN: NodeEntry = { file: 'server/main.ts', execArgv: ['--import', 'tsx'] };

/**
 * The reference hub's command line after `node`: its entry (server/main.ts
 * through tsx, or the compiled main.js) and its flags. The child-process and
 * container runtimes and the bench all start the hub through this, so a new
 * flag is added in one place.
 */
export function referenceHubArgs(launch: ReferenceHubLaunch): string[] {
  return [
    ...(launch.main ?? SOURCE_MAIN).execArgv,
    (launch.main ?? SOURCE_MAIN).file,
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
