/** Which hub a run uses and where it runs: one entry of HUB_RUNTIMES (runtimes.ts) each, with the fields that entry reads. */
export type HubChoice =
  | { kind: 'in-process' }
  | { kind: 'child-process' }
  | { kind: 'container'; image?: string; port?: number }
  | { kind: 'command'; command: string }
  | { kind: 'external'; url: string };

/** Where the hub under test runs. */
export type HubKind = HubChoice['kind'];

/** How a hub goes down in a redeploy. */
export type StopHow = 'graceful' | 'crash';

/** What every reference-hub incarnation of a run shares, so a redeploy keeps its state. */
export interface HubSettings {
  defects: readonly string[];
  pingIntervalMs?: number;
  tokens?: readonly string[];
  /** Admin tokens for /admin/* and /metrics; unset: the reference hub uses `tokens`. */
  adminTokens?: readonly string[];
  /** SQLite file every incarnation (and a blue-green sibling) uses; undefined keeps commands in memory. */
  dbPath?: string;
}

/**
 * A hub the run talks to, whoever started it. Started runtimes can be
 * stopped (gracefully: SIGTERM, close frames with 1012; or as a crash:
 * SIGKILL, no close frames) and started again on the same port, which is
 * what a redeploy is.
 */
export interface HubRuntime extends AsyncDisposable {
  readonly kind: HubKind;
  /** Base HTTP URL; the same across stop() and start(). */
  readonly url: string;
  readonly port: number;
  /** False for a hub the harness may not restart (--hub-url). */
  readonly restartable: boolean;
  readonly running: boolean;
  /** The OS process the hub runs as, while it runs and is not being stopped (process runtimes only; a redeploy changes it). For resource sampling. */
  readonly pid?: number;
  /**
   * The container the hub runs in, while it runs and is not being stopped (container runtime
   * only; a redeploy starts a new one): its id, name and init process's pid on this host. For
   * resource sampling, from its cgroup.
   */
  readonly container?: { id: string; name: string; pid: number };
  /** The hub's output so far (process and container runtimes), newest last. */
  logs(): string[];
  stop(how?: StopHow): Promise<void>;
  /** Starts it again on the same port after stop(). */
  start(): Promise<void>;
  /** A second hub like this one on another port, sharing its state (blue-green deploys). */
  sibling(): Promise<HubRuntime>;
  /**
   * Calls `listener` each time the hub's process exits, until the returned
   * function is called. Only runtimes that own a process have it (an
   * in-process hub cannot die on its own; an external one is not ours to see).
   */
  onExit?(listener: (exit: HubExit) => void): () => void;
}

/** One exit of a hub process. `planned` when it followed this runtime's own stop() (a redeploy or the run's end). */
export interface HubExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  planned: boolean;
}
