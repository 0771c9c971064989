import { nodeEntry } from '../../../common/layout.ts';
import { freePort } from '../free-port.ts';
import { startProcessHub } from './process.ts';
import { referenceHubArgs } from './reference-args.ts';
import type { HubRuntime, HubSettings } from './types.ts';

/** server/main as this process runs: its .ts through tsx from sources, its .js from dist. */
const HUB_MAIN = nodeEntry('../../../server/main.ts', import.meta.url);

/** The reference hub's main.ts as its own Node process, as it would run in production. */
export async function startChildProcessHub(settings: HubSettings): Promise<HubRuntime> {
  return startProcessHub(
    {
      kind: 'child-process',
      describe: 'node server/main.ts',
      launch: (port) => ({
        command: process.execPath,
        args: referenceHubArgs({ ...settings, main: HUB_MAIN, port }),
        // The hub exits when its stdin closes, so it cannot outlive a harness that was killed.
        env: { EDGE_CHAOS_EXIT_WITH_PARENT: '1' },
      }),
      ready: { stdout: /listening on http:\/\// },
    },
    await freePort(),
  );
}

/**
 * A user's hub as a shell command, started with PORT (and HOST=127.0.0.1) in
 * its environment, and PING_INTERVAL_MS: the interval the agents expect its
 * pings at, so a hub that reads it keeps the scenario's promise.
 */
export async function startCommandHub(command: string, options: { port?: number; pingIntervalMs?: number } = {}): Promise<HubRuntime> {
  const ping: Record<string, string> = options.pingIntervalMs === undefined ? {} : { PING_INTERVAL_MS: String(options.pingIntervalMs) };
  return startProcessHub(
    {
      kind: 'command',
      describe: command,
      launch: (p) => ({ command: '/bin/sh', args: ['-c', command], env: { PORT: String(p), HOST: '127.0.0.1', ...ping } }),
      ready: { http: true },
    },
    options.port ?? (await freePort()),
  );
}
