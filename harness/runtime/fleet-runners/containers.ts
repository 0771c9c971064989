/**
 * The containers fleet runner's launcher: each shard a container from the
 * project image on the local engine, configured exactly as a pod of the
 * kubernetes runner is, by environment alone (no mounts, no ports, no
 * arguments), with host networking so the shards reach the hub, the proxies
 * and the collector on 127.0.0.1 as local shard processes do. It is the
 * kubernetes runner's rehearsal on one machine.
 *
 * testcontainers is loaded on first use (dynamic import), never at module
 * load, so runs without containers do not need it.
 */
import type { Readable } from 'node:stream';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { DockerError, DockerErrorCode } from '../docker/errors.ts';
import { LogCollector } from '../docker/log-collector.ts';
import { ENV_SHARD_CONFIG, ENV_SHARD_CONFIG_FILE, ENV_SHARD_INDEX, SHARD_COMMAND, type LaunchedShards, type LaunchOptions, type ShardEnv, type ShardExit, type ShardLauncher } from './launcher.ts';

/** Labels every shard container carries besides the owner labels (docker ps --filter label=edge-chaos.run-id=ID). */
export const LABEL_RUN_ID = 'edge-chaos.run-id';
export const LABEL_SHARD_INDEX = 'edge-chaos.shard-index';
/**
 * One env string may be at most 128 KiB (Linux's MAX_ARG_STRLEN); a config
 * past this goes into a file in the container (EDGE_CHAOS_SHARD_CONFIG_FILE),
 * as a pod's comes from its mounted ConfigMap.
 */
export const MAX_ENV_CONFIG_BYTES = 64 * 1024;
const CONFIG_FILE_PATH = '/etc/edge-chaos/shard-config.json';
/** Lines of a shard's output quoted when it exits early. */
const EXIT_TAIL_LINES = 3;

export interface ContainersLauncherOptions {
  /** The project image (npm run hub:image, or docker build . elsewhere). */
  image: string;
  /** Names the containers (edge-chaos-shard-<runId>-<i>) and labels them. Lowercase letters and digits. */
  runId: string;
  /** Default: the shard entry (SHARD_COMMAND). Tests pass a stand-in. */
  command?: readonly string[];
  /** SIGTERM to SIGKILL on stop, ms (rounded up to whole seconds, docker's unit). Default 15_000. */
  stopTimeoutMs?: number;
}

export function containersLauncher(opts: ContainersLauncherOptions): ShardLauncher {
  if (!/^[a-z0-9]{1,16}$/.test(opts.runId)) throw new DockerError(DockerErrorCode.option, `run id ${JSON.stringify(opts.runId)} must be 1 to 16 lowercase letters or digits`, 'let the runner choose it');
  return {
    kind: 'containers',
    async start(shards: readonly ShardEnv[], launch: LaunchOptions = {}): Promise<LaunchedShards> {
      const tc = await import('testcontainers');
      // Sets testcontainers' environment for this machine (no Ryuk, host override) and installs the exit-time cleanup.
      await import('../docker/engine.ts');
      const cleanup = await import('../docker/cleanup.ts');
      await cleanup.sweepOrphansOnce();
      const client = await tc.getContainerRuntimeClient();
      if (!(await client.image.exists(tc.ImageName.fromString(opts.image)))) {
        throw new DockerError(DockerErrorCode.startup, `image ${opts.image} does not exist on this engine (and no registry can be reached to pull it)`, 'build it first: npm run hub:image, or docker build -t edge-chaos:dev . where a registry is reachable');
      }

      const run = new ContainerShards(opts, shards.length, launch);
      try {
        // One at a time: each start is a few engine calls, and a failure stops the rest from starting.
        for (const [index, env] of shards.entries()) {
          if (launch.signal?.aborted) throw new DockerError(DockerErrorCode.startup, 'the run was stopped while the shard containers were starting', 'nothing to do: those started were removed');
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
          const logs = new LogCollector();
          const container = new TrackedContainer(opts.image)
            .withName(`edge-chaos-shard-${opts.runId}-${index}`)
            .withNetworkMode('host')
            .withEnvironment(shardEnvironment(env, index))
            .withLabels({ ...cleanup.ownerLabels(), [LABEL_RUN_ID]: opts.runId, [LABEL_SHARD_INDEX]: String(index) })
            .withCommand([...(opts.command ?? SHARD_COMMAND)])
            .withWaitStrategy(new StartedWait())
            .withLogConsumer((stream: Readable) => logs.attach(stream));
          const config = env[ENV_SHARD_CONFIG];
          if (config !== undefined && Buffer.byteLength(config) > MAX_ENV_CONFIG_BYTES) {
            container.withCopyContentToContainer([{ content: config, target: CONFIG_FILE_PATH, mode: 0o444 }]);
          }
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

/** The env a shard container gets: the shard's env, its index as a pod's, and a big config moved to a file. */
export function shardEnvironment(env: ShardEnv, index: number): Record<string, string> {
  const out: Record<string, string> = { [ENV_SHARD_INDEX]: String(index), ...env };
  const config = env[ENV_SHARD_CONFIG];
  if (config !== undefined && Buffer.byteLength(config) > MAX_ENV_CONFIG_BYTES) {
    delete out[ENV_SHARD_CONFIG];
    out[ENV_SHARD_CONFIG_FILE] = CONFIG_FILE_PATH;
  }
  return out;
}

/** Ready once running: a shard listens on no port, and one that exits at once is a lost shard, reported, not a start failure. */
class StartedWait implements WaitStrategy {
  #timeoutMs = 30_000;
  #set = false;
  async waitUntilReady(): Promise<void> {}
  withStartupTimeout(startupTimeoutMs: number): this {
    this.#timeoutMs = startupTimeoutMs;
    this.#set = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.#set;
  }
  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

class ContainerShards implements LaunchedShards {
  readonly names: string[];
  readonly exited: Promise<ShardExit[]>;
  readonly #opts: ContainersLauncherOptions;
  readonly #launch: LaunchOptions;
  readonly #shards: { id: string; ended: Promise<ShardExit> }[] = [];
  #stopping: Promise<void> | undefined;
  #resolveExited!: (exits: ShardExit[]) => void;

  constructor(opts: ContainersLauncherOptions, count: number, launch: LaunchOptions) {
    this.#opts = opts;
    this.#launch = launch;
    this.names = Array.from({ length: count }, (_, i) => `edge-chaos-shard-${opts.runId}-${i}`);
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
  }

  add(index: number, id: string, logs: LogCollector): void {
    const name = this.names[index]!;
    const ended = (async (): Promise<ShardExit> => {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await getContainerRuntimeClient();
      let how: string;
      try {
        const { StatusCode } = (await client.container.getById(id).wait()) as { StatusCode: number };
        await logs.drained(1_000);
        const tail = logs.tail(EXIT_TAIL_LINES).trim().replace(/\s*\n\s*/g, ' | ');
        how = `exited with code ${StatusCode}${tail === '' ? '' : `: ${tail}`}`;
      } catch (error) {
        how = `could not be watched: ${(error as Error).message}`;
      }
      const exit: ShardExit = { index, name, how, early: this.#stopping === undefined };
      if (exit.early) this.#launch.onShardExit?.(exit);
      return exit;
    })();
    this.#shards[index] = { id, ended };
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const t = Math.ceil((this.#opts.stopTimeoutMs ?? 15_000) / 1000);
    await Promise.all(
      this.#shards.filter((s) => s !== undefined).map(async ({ id }) => {
        // 304: already stopped; 404: already removed (the exit hook on Ctrl-C); 409: not running.
        await client.container.getById(id).stop({ t }).catch((error: { statusCode?: number }) => {
          if (![304, 404, 409].includes(error.statusCode ?? 0)) throw error;
        });
        await this.remove(id);
      }),
    );
    const exits = await Promise.all(this.#shards.filter((s) => s !== undefined).map((s) => s.ended));
    this.#resolveExited(exits);
  }

  /** Removes a container (and forgets it for the exit-time cleanup); already gone is fine. */
  async remove(id: string): Promise<void> {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const { untrackContainer } = await import('../docker/cleanup.ts');
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
