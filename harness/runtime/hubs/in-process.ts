import { HubError } from '../../../server/errors.ts';
import { startHub, type StartedHub } from '../../../server/start.ts';
import { HarnessError } from '../../errors.ts';
import type { HubRuntime, HubSettings, StopHow } from './types.ts';

/** The reference hub inside the harness process: the default and the fastest. A crash drops sockets without close frames. */
export async function startInProcessHub(settings: HubSettings, port = 0): Promise<HubRuntime> {
  const launch = async (p: number): Promise<StartedHub> => {
    try {
      return await startHub({ host: '127.0.0.1', port: p, defects: settings.defects, pingIntervalMs: settings.pingIntervalMs, tokens: settings.tokens, adminTokens: settings.adminTokens, ...(settings.dbPath ? { dbPath: settings.dbPath } : {}) });
    } catch (error) {
      if (error instanceof HubError) throw new HarnessError('EC_HUB_START', `the reference hub refused to start: ${error.message}`, error.fix, { cause: error });
      throw error;
    }
  };
  let current: StartedHub | undefined = await launch(port);
  const boundPort = current.port;
  const runtime: HubRuntime = {
    kind: 'in-process',
    url: current.url,
    port: boundPort,
    restartable: true,
    get running() {
      return current !== undefined;
    },
    logs: () => [],
    async stop(how: StopHow = 'graceful') {
      const hub = current;
      current = undefined;
      if (hub) await (how === 'crash' ? hub.kill() : hub.stop());
    },
    async start() {
      current ??= await launch(boundPort);
    },
    sibling: () => startInProcessHub(settings, 0),
    [Symbol.asyncDispose]: () => runtime.stop(),
  };
  return runtime;
}
