import { fileURLToPath } from 'node:url';
import { startProcessHub, freeTcpPort } from './process.ts';
import type { HubRuntime, HubSettings } from './types.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The reference hub's main.ts as its own Node process, as it would run in production. */
export async function startChildProcessHub(settings: HubSettings): Promise<HubRuntime> {
  return startProcessHub(
    {
      kind: 'child-process',
      describe: 'node server/main.ts',
      launch: (port) => ({
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          `${PROJECT_ROOT}server/main.ts`,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          ...(settings.pingIntervalMs ? ['--ping-interval', `${settings.pingIntervalMs}ms`] : []),
          ...settings.defects.flatMap((d) => ['--defect', d]),
          ...(settings.tokens ?? []).flatMap((t) => ['--token', t]),
          ...(settings.adminTokens ?? []).flatMap((t) => ['--admin-token', t]),
          ...(settings.dbPath ? ['--db', settings.dbPath] : []),
        ],
        // The hub exits when its stdin closes, so it cannot outlive a harness that was killed.
        env: { EDGE_CHAOS_EXIT_WITH_PARENT: '1' },
      }),
      ready: { stdout: /listening on http:\/\// },
    },
    await freeTcpPort(),
  );
}

/** A user's hub as a shell command, started with PORT (and HOST=127.0.0.1) in its environment. */
export async function startCommandHub(command: string, port?: number): Promise<HubRuntime> {
  return startProcessHub(
    {
      kind: 'command',
      describe: command,
      launch: (p) => ({ command: '/bin/sh', args: ['-c', command], env: { PORT: String(p), HOST: '127.0.0.1' } }),
      ready: { http: true },
    },
    port ?? (await freeTcpPort()),
  );
}
