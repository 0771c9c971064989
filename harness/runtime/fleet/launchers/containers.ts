/**
 * The containers fleet runner's launcher: each shard a container from the
 * project image on the local engine, configured exactly as a pod of the
 * kubernetes runner is, by environment alone (no mounts, no ports, no
 * arguments), with host networking so the shards reach the hub, the proxies
 * and the collector on 127.0.0.1 as local shard processes do: the network
 * fleet's defaults (collector on 127.0.0.1, the plan unchanged) hold. It is
 * the kubernetes runner's rehearsal on one machine.
 *
 * testcontainers is loaded on first use (dynamic import), never at module
 * load, so runs without containers do not need it.
 */
import type { Readable } from 'node:stream';
import type { StartedTestContainer } from 'testcontainers';
import { loadTestcontainers } from '../../docker/testcontainers.ts';
import { DockerError, DockerErrorCode } from '../../docker/errors.ts';
import { LogCollector } from '../../docker/log-collector.ts';
import { SHARD_IMAGE_COMMAND, type LaunchedShards, type LaunchHooks, type ShardLauncher } from './launcher.ts';

/** Labels every shard container carries besides the owner labels (docker ps --filter label=edge-chaos.run-id=ID). */
export const LABEL_RUN_ID = 'edge-chaos.run-id';
export const LABEL_SHARD_INDEX = 'edge-chaos.shard-index';
/** Lines of a shard's output quoted when it exits early. */
const EXIT_TAIL_LINES = 3;
/** Starting a container is a few engine calls and node loading the sources: more than a local process, far less than a pod. */
const START_TIMEOUT_MS = 120_000;

export interface ContainersLauncherOptions {
  /** The project image (npm run hub:image, or docker build . elsewhere). */
  image: string;
  /** Names the containers (edge-chaos-shard-<runId>-<i>) and labels them. Lowercase letters and digits. */
  runId: string;
  /** Default: the shard entry (SHARD_IMAGE_COMMAND). Tests pass a stand-in. */
  command?: readonly string[];
  /** SIGTERM to SIGKILL on stop, ms (rounded up to whole seconds, docker's unit). Default 15_000. */
  stopTimeoutMs?: number;
}

/** The container name of shard `index` of run `runId`. */
export function shardContainerName(runId: string, index: number): string {
  return `edge-chaos-shard-${runId}-${index}`;
}

export function containersLauncher(opts: ContainersLauncherOptions): ShardLauncher {
  if (!/^[a-z0-9]{1,16}$/.test(opts.runId)) throw new DockerError(DockerErrorCode.option, `run id ${JSON.stringify(opts.runId)} must be 1 to 16 lowercase letters or digits`, 'let the runner choose it');
  return {
    name: 'containers',
    startTimeoutMs: START_TIMEOUT_MS,
    async start(shards, hooks): Promise<LaunchedShards> {
      const tc = await loadTestcontainers();
      // Sets testcontainers' environment for this machine (no Ryuk, host override) and installs the exit-time cleanup.
      await import('../../docker/engine.ts');
      const cleanup = await import('../../docker/cleanup.ts');
      await cleanup.sweepOrphansOnce();
      const client = await tc.getContainerRuntimeClient();
      if (!(await client.image.exists(tc.ImageName.fromString(opts.image)))) {
        throw new DockerError(DockerErrorCode.startup, `image ${opts.image} does not exist on this engine (and no registry can be reached to pull it)`, 'build it first: npm run hub:image, or docker build -t edge-chaos:dev . where a registry is reachable');
      }

      const run = new ContainerShards(opts, hooks);
      try {
        // One at a time: each start is a few engine calls, and a failure (or a stop) keeps the rest from starting.
        for (const { index, env } of shards) {
          if (hooks.signal.aborted) break;
          const created: { id?: string } = {};
          // Defined here: GenericContainer is only loaded now.
          class TrackedContainer extends tc.GenericContainer {
            constructor(image: string) {
              super(image);
              // docker-init as pid 1 reaps and forwards SIGTERM to node, as a pod's runtime does.
              this.hostConfig.Init = true;
            }
            protected override async containerCreated(id: string): Promise<void> {
              created.id = id;
              cleanup.trackContainer(id);
            }
          }
          // Ready once running: a shard listens on no port, and one that exits at once is the collector's to report.
          class Running extends tc.StartupCheckStrategy {
            override async checkStartupState(): Promise<'SUCCESS'> {
              return 'SUCCESS';
            }
          }
          const logs = new LogCollector();
          const container = new TrackedContainer(opts.image)
            .withName(shardContainerName(opts.runId, index))
            .withNetworkMode('host')
            .withEnvironment(env)
            .withLabels({ ...cleanup.ownerLabels(), [LABEL_RUN_ID]: opts.runId, [LABEL_SHARD_INDEX]: String(index) })
            .withCommand([...(opts.command ?? SHARD_IMAGE_COMMAND)])
            .withWaitStrategy(new Running())
            .withLogConsumer((stream: Readable) => logs.attach(stream));
          let started: StartedTestContainer;
          try {
            started = await container.start();
          } catch (error) {
            if (created.id !== undefined) await run.remove(created.id);
            throw new DockerError(DockerErrorCode.startup, `shard container ${index} from ${opts.image} could not start: ${(error as Error).message}`, 'run npm run hub:image again, and check the engine with docker info', { cause: error });
          }
          run.add(index, started.getId(), logs);
        }
      } catch (error) {
        await run.stop();
        throw error;
      }
      return run;
    },
  };
}

class ContainerShards implements LaunchedShards {
  readonly #opts: ContainersLauncherOptions;
  readonly #hooks: LaunchHooks;
  readonly #shards: { id: string; logs: LogCollector; ended: Promise<void> }[] = [];
  #stopping: Promise<void> | undefined;

  constructor(opts: ContainersLauncherOptions, hooks: LaunchHooks) {
    this.#opts = opts;
    this.#hooks = hooks;
  }

  get exited(): Promise<void> {
    return Promise.all(this.#shards.filter((s) => s !== undefined).map((s) => s.ended)).then(() => undefined);
  }

  add(index: number, id: string, logs: LogCollector): void {
    const name = shardContainerName(this.#opts.runId, index);
    const ended = (async () => {
      const { getContainerRuntimeClient } = await loadTestcontainers();
      const client = await getContainerRuntimeClient();
      let how: string;
      try {
        const { StatusCode } = (await client.container.getById(id).wait()) as { StatusCode: number };
        await logs.drained(1_000);
        const tail = logs.tail(EXIT_TAIL_LINES).trim().replace(/\s*\n\s*/g, ' | ');
        how = `container ${name} exited with code ${StatusCode}${tail === '' ? '' : `: ${tail}`}`;
      } catch (error) {
        how = `container ${name} could not be watched: ${(error as Error).message}`;
      }
      if (this.#stopping === undefined) this.#hooks.onExit(index, how);
    })();
    this.#shards[index] = { id, logs, ended };
  }

  logTail(index: number): string {
    return this.#shards[index]?.logs.tail(5) ?? '';
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const client = await getContainerRuntimeClient();
    const t = Math.ceil((this.#opts.stopTimeoutMs ?? 15_000) / 1000);
    const shards = this.#shards.filter((s) => s !== undefined);
    await Promise.all(
      shards.map(async ({ id }) => {
        // SIGTERM: the shard stops its agents and sends its last batch. 304: already stopped; 404: already removed (the exit hook on Ctrl-C); 409: not running.
        await client.container.getById(id).stop({ t }).catch((error: { statusCode?: number }) => {
          if (![304, 404, 409].includes(error.statusCode ?? 0)) throw error;
        });
        await this.remove(id);
      }),
    );
    await Promise.all(shards.map((s) => s.ended));
  }

  /** Removes a container (and forgets it for the exit-time cleanup); already gone is fine. */
  async remove(id: string): Promise<void> {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const { untrackContainer } = await import('../../docker/cleanup.ts');
    try {
      await (await getContainerRuntimeClient()).container.getById(id).remove({ force: true, v: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    } finally {
      untrackContainer(id);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
