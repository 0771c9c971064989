/**
 * Start one of our images as a host-networked container, testcontainers
 * style: `await using hub = await new HostContainer(image).withHttpWait('/').start()`.
 *
 * Host networking because the engine here runs without a bridge, and because
 * the harness then reaches the container on 127.0.0.1 exactly as it reaches an
 * in-process hub. The container shares the host's ports, so we pick a free
 * one and hand it over as env PORT (and HOST=127.0.0.1).
 */
import type { GenericContainer, StartedTestContainer, WaitStrategy } from 'testcontainers';
import './engine.ts';
import { ownerLabels, sweepOrphansOnce, trackContainer, untrackContainer } from './cleanup.ts';
import { DockerError, DockerErrorCode } from './errors.ts';
import { freePort } from '../free-port.ts';
import { HostHttpWaitStrategy } from './host-http-wait.ts';
import { LogCollector } from './log-collector.ts';
import { loadTestcontainers, type Testcontainers } from './testcontainers.ts';

const LOOPBACK = '127.0.0.1';
/** Log lines quoted in a startup error. */
const ERROR_TAIL_LINES = 20;

export type ContainerStopOptions = {
  /** SIGTERM: graceful, then SIGKILL after timeoutMs. SIGKILL: at once. Default SIGTERM. */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** Grace period after SIGTERM, in ms, rounded up to whole seconds (docker's unit). Default 10_000. */
  timeoutMs?: number;
};

export interface StartedHostContainer extends AsyncDisposable {
  readonly id: string;
  /** The engine's name for it (docker ps's NAMES). */
  readonly name: string;
  /**
   * Its init process's pid on this host (docker inspect State.Pid; docker-init, the hub below
   * it), as of the last start or restart (stale once it has exited: the pid may be reused, so
   * check the process is still the container's). For sampling its cgroup.
   */
  readonly pid: number;
  readonly image: string;
  /** Always 127.0.0.1: the container shares the host's network. */
  readonly host: string;
  /** The port handed to the container as env PORT. */
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Output lines so far (stdout and stderr interleaved), across restarts. */
  logs(): string[];
  /** Stops and removes the container; idempotent. Resolves with its exit code. */
  stop(opts?: ContainerStopOptions): Promise<{ exitCode: number }>;
  /** Restarts the process (SIGTERM, then SIGKILL after timeoutMs) and waits until ready again. */
  restart(opts?: { timeoutMs?: number }): Promise<void>;
}

type Readiness = { kind: 'http'; path: string; statusCode?: number } | { kind: 'log'; pattern: RegExp | string; times: number };

export class HostContainer {
  readonly #image: string;
  #env: Record<string, string> = {};
  #command: string[] | undefined;
  #binds: { source: string; target: string }[] = [];
  #port: number | undefined;
  #readiness: Readiness | undefined;
  #startupTimeoutMs = 30_000;

  constructor(image: string) {
    this.#image = image;
  }

  /** Extra environment; may override PORT and HOST. */
  withEnv(env: Record<string, string>): this {
    this.#env = { ...this.#env, ...env };
    return this;
  }

  /** Mounts a host folder into the container (read-write), e.g. a database that must outlive the container. */
  withBindMount(source: string, target: string): this {
    this.#binds.push({ source, target });
    return this;
  }

  /** Replaces the image's default command (CMD). */
  withCommand(command: string[]): this {
    this.#command = [...command];
    return this;
  }

  /** The port passed as env PORT. Default: a free port on 127.0.0.1. */
  withPort(port: number): this {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new DockerError(DockerErrorCode.option, `port must be 1..65535, got ${port}`, 'pass a valid TCP port or omit it to get a free one');
    }
    this.#port = port;
    return this;
  }

  /** Ready when GET http://127.0.0.1:PORT<path> answers statusCode (default: any 2xx). */
  withHttpWait(path = '/', opts: { statusCode?: number } = {}): this {
    this.#readiness = { kind: 'http', path: path.startsWith('/') ? path : `/${path}`, ...opts };
    return this;
  }

  /** Ready when the output has matched `pattern` `times` times (default 1). */
  withLogWait(pattern: RegExp | string, opts: { times?: number } = {}): this {
    this.#readiness = { kind: 'log', pattern, times: opts.times ?? 1 };
    return this;
  }

  /** How long start() and restart() wait for readiness, in ms. Default 30_000. */
  withStartupTimeoutMs(startupTimeoutMs: number): this {
    this.#startupTimeoutMs = startupTimeoutMs;
    return this;
  }

  async start(): Promise<StartedHostContainer> {
    const testcontainers = await loadTestcontainers();
    await sweepOrphansOnce();
    const client = await testcontainers.getContainerRuntimeClient();
    if (!(await client.image.exists(testcontainers.ImageName.fromString(this.#image)))) {
      throw new DockerError(
        DockerErrorCode.startup,
        `image ${this.#image} does not exist on this engine (and no registry can be reached to pull it)`,
        'build it first: npm run hub:image (or buildHubImage() from harness/runtime/docker/node-image.ts)',
      );
    }
    const port = this.#port ?? (await freePort(LOOPBACK));
    const url = `http://${LOOPBACK}:${port}`;
    const logs = new LogCollector();
    const container = new (trackedContainerClass(testcontainers))(this.#image)
      .withNetworkMode('host')
      .withEnvironment({ HOST: LOOPBACK, PORT: String(port), ...this.#env })
      .withLabels(ownerLabels())
      .withWaitStrategy(waitStrategyFor(testcontainers, this.#readiness, url))
      .withStartupTimeout(this.#startupTimeoutMs)
      .withLogConsumer((stream) => logs.attach(stream));
    if (this.#command !== undefined) container.withCommand(this.#command);
    if (this.#binds.length > 0) container.withBindMounts(this.#binds.map((b) => ({ ...b, mode: 'rw' as const })));

    let started: StartedTestContainer;
    try {
      started = await container.start();
    } catch (err) {
      // testcontainers removes a container that failed its wait; make sure
      // of it for every other failure too.
      await removeQuietly(container.createdId);
      await logs.drained(1_000);
      const tail = logs.tail(ERROR_TAIL_LINES);
      throw new DockerError(
        DockerErrorCode.startup,
        `container from ${this.#image} did not become ready: ${(err as Error).message}` +
          (tail === '' ? ' (it printed nothing)' : `\nlast output:\n${tail}`),
        'read the output above; run the same command outside docker to debug it',
        { cause: err },
      );
    }
    const host = new StartedHost(started, this.#image, port, url, logs);
    await host.inspectState();
    return host;
  }
}

type TrackedContainer = GenericContainer & { readonly createdId: string | undefined };
let trackedContainer: (new (image: string) => TrackedContainer) | undefined;

/**
 * GenericContainer that reports its id as soon as it exists, so a kill
 * mid-start cleans it up. Defined on first use: its base class is a value of
 * testcontainers, which is loaded only then.
 */
function trackedContainerClass({ GenericContainer }: Testcontainers): new (image: string) => TrackedContainer {
  trackedContainer ??= class extends GenericContainer {
    createdId: string | undefined;

    constructor(image: string) {
      super(image);
      // docker-init (tini) as pid 1: node as pid 1 ignores SIGTERM unless it
      // installs a handler, so every graceful stop would wait out the timeout.
      this.hostConfig.Init = true;
    }

    protected override async containerCreated(containerId: string): Promise<void> {
      this.createdId = containerId;
      trackContainer(containerId);
    }
  };
  return trackedContainer;
}

class StartedHost implements StartedHostContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly host = LOOPBACK;
  #pid = 0;
  readonly port: number;
  readonly url: string;
  readonly #started: StartedTestContainer;
  readonly #logs: LogCollector;
  #stopping: Promise<{ exitCode: number }> | undefined;

  constructor(started: StartedTestContainer, image: string, port: number, url: string, logs: LogCollector) {
    this.#started = started;
    this.id = started.getId();
    // The API names containers with a leading slash; docker ps does not.
    this.name = started.getName().replace(/^\//, '');
    this.image = image;
    this.port = port;
    this.url = url;
    this.#logs = logs;
  }

  get pid(): number {
    return this.#pid;
  }

  /** Reads the pid of its (new) init process from the engine: after a start and each restart. */
  async inspectState(): Promise<{ startedAtS: number }> {
    const client = await (await loadTestcontainers()).getContainerRuntimeClient();
    const { State } = await client.container.inspect(client.container.getById(this.id));
    this.#pid = State.Pid;
    return { startedAtS: Date.parse(State.StartedAt) / 1000 };
  }

  logs(): string[] {
    return [...this.#logs.lines];
  }

  stop(opts: ContainerStopOptions = {}): Promise<{ exitCode: number }> {
    this.#stopping ??= this.#stop(opts.signal ?? 'SIGTERM', opts.timeoutMs ?? 10_000);
    return this.#stopping;
  }

  async #stop(signal: 'SIGTERM' | 'SIGKILL', timeoutMs: number): Promise<{ exitCode: number }> {
    const client = await (await loadTestcontainers()).getContainerRuntimeClient();
    const container = client.container.getById(this.id);
    try {
      if (signal === 'SIGKILL') {
        await container.kill({ signal: 'SIGKILL' }).catch(ignoreNotRunning);
      } else {
        await container.stop({ t: Math.ceil(timeoutMs / 1000) }).catch(ignoreNotRunning);
      }
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      // Docker ends the log stream once the process is gone; wait for it so
      // the last lines (a shutdown message) are in logs().
      await this.#logs.drained(1_000);
      return { exitCode: StatusCode };
    } finally {
      await removeQuietly(this.id);
    }
  }

  async restart(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#stopping) {
      throw new DockerError(DockerErrorCode.option, `container ${this.id.slice(0, 12)} was stopped`, 'start a new container instead of restarting a stopped one');
    }
    await this.#started.restart({ timeout: opts.timeoutMs ?? 10_000 });
    const client = await (await loadTestcontainers()).getContainerRuntimeClient();
    const container = client.container.getById(this.id);
    const { startedAtS } = await this.inspectState();
    // The old follow stream ended with the old process; only lines from the
    // new one, which started at startedAtS.
    this.#logs.attach(await client.container.logs(container, { since: startedAtS }));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function waitStrategyFor({ Wait }: Testcontainers, readiness: Readiness | undefined, url: string): WaitStrategy {
  if (readiness === undefined) {
    // No ports are bound under host networking, so this passes once the
    // container runs.
    return Wait.forListeningPorts();
  }
  if (readiness.kind === 'http') return new HostHttpWaitStrategy(`${url}${readiness.path}`, readiness.statusCode);
  return Wait.forLogMessage(readiness.pattern, readiness.times);
}

async function removeQuietly(id: string | undefined): Promise<void> {
  if (id === undefined) return;
  try {
    const client = await (await loadTestcontainers()).getContainerRuntimeClient();
    await client.container.getById(id).remove({ force: true, v: true });
  } catch (err) {
    // 404: already removed (testcontainers does so after a failed wait).
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  } finally {
    untrackContainer(id);
  }
}

function ignoreNotRunning(err: unknown): void {
  // 304: already stopped; 409: not running (it exited on its own).
  const statusCode = (err as { statusCode?: number }).statusCode;
  if (statusCode !== 304 && statusCode !== 409) throw err;
}
