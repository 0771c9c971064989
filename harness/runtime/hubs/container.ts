import { chmod } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { DockerError } from '../docker/errors.ts';
import { loadTestcontainers } from '../docker/testcontainers.ts';
import { HarnessError } from '../../errors.ts';
import { freePort } from '../free-port.ts';
import { referenceHubArgs } from './reference-args.ts';
import type { HubRuntime, HubSettings, StopHow } from './types.ts';

export interface ContainerHubOptions {
  /** A user's image; default: the reference hub's image, built locally (npm run hub:image). */
  image?: string;
  /** The port a user's image listens on (host networking: also the host port). Default: a free port, passed as PORT. */
  port?: number;
}

const DATA_DIR = '/data';

/**
 * The hub as a container started through testcontainers, on the host's
 * network. A redeploy stops the container (SIGTERM, or SIGKILL for a crash)
 * and starts a new one on the same port; the reference hub's database lives
 * in a host folder mounted into every incarnation, so nothing is lost.
 */
export async function startContainerHub(settings: HubSettings, options: ContainerHubOptions = {}): Promise<HubRuntime> {
  // First: without the package, "start a Docker engine" would be the wrong fix.
  await loadTestcontainers();
  const [{ HostContainer }, { buildHubImage }, { dockerAvailability }] = await Promise.all([
    import('../docker/container.ts'),
    import('../docker/node-image.ts'),
    import('../docker/engine.ts'),
  ]);
  const availability = await dockerAvailability();
  if (!availability.available) throw new HarnessError('EC_HUB_START', `the container hub runtime needs Docker: ${availability.reason}`, 'start a Docker engine (see .ci/docker-up), or use --hub-runtime in-process / child-process');
  const ours = options.image === undefined;
  const image = options.image ?? (await buildHubImage()).image;
  const port = options.port ?? (await freePort());
  if (settings.dbPath) await chmod(dirname(settings.dbPath), 0o777); // the image runs as an unprivileged user
  type Started = Awaited<ReturnType<InstanceType<typeof HostContainer>['start']>>;
  let current: Started | undefined;
  const logs: string[] = [];

  const start = async (): Promise<void> => {
    if (current) return;
    let builder = new HostContainer(image).withPort(port).withStartupTimeoutMs(60_000);
    if (ours) {
      const dbPath = settings.dbPath ? `${DATA_DIR}/${basename(settings.dbPath)}` : undefined;
      builder = builder.withHttpWait('/healthz').withCommand(['node', ...referenceHubArgs({ ...settings, port, dbPath })]);
      if (settings.dbPath) builder = builder.withBindMount(dirname(settings.dbPath), DATA_DIR);
    } else {
      builder = builder.withHttpWait('/', { statusCode: 0 });
      // As with --hub-cmd: the interval the agents expect, for an image that reads it.
      if (settings.pingIntervalMs !== undefined) builder = builder.withEnv({ PING_INTERVAL_MS: String(settings.pingIntervalMs) });
    }
    try {
      current = await builder.start();
    } catch (error) {
      if (error instanceof DockerError) throw new HarnessError('EC_HUB_START', error.message, error.fix, { cause: error });
      throw error;
    }
  };
  const stop = async (how: StopHow = 'graceful'): Promise<void> => {
    const c = current;
    current = undefined;
    if (!c) return;
    logs.push(...c.logs());
    await c.stop({ signal: how === 'crash' ? 'SIGKILL' : 'SIGTERM' });
  };

  await start();
  const runtime: HubRuntime = {
    kind: 'container',
    url: `http://127.0.0.1:${port}`,
    port,
    restartable: true,
    get running() {
      return current !== undefined;
    },
    get container() {
      return current && { id: current.id, name: current.name, pid: current.pid };
    },
    logs: () => [...logs, ...(current?.logs() ?? [])],
    stop,
    start,
    sibling: () => {
      if (!ours) throw new HarnessError('EC_BAD_OPTION', `a blue-green deploy needs a second hub on another port, but image ${image} listens on the fixed --hub-port ${port}`, 'use the reference hub image for rolling redeploys, or a scenario without them');
      return startContainerHub(settings, options);
    },
    [Symbol.asyncDispose]: () => stop('graceful'),
  };
  return runtime;
}
