/**
 * Every coded error a user of edge-chaos can hit, in one registry (fastify's
 * FST_ERR_* in spirit). Each has a stable `code` that tests and callers match
 * on, a message that names the bad value, and a `fix` line that says what to
 * do. Every command-line entry point catches `EdgeChaosError`, prints
 * `error: <message>` and `fix: <fix>`, and exits 2.
 *
 * This module sits below every part (protocol, hub, agent, Toxiproxy,
 * harness) and imports nothing, so any of them may throw these errors.
 */
export const ERROR_CODES = {
  // The harness: its command line, scenarios, runs and reports.
  EC_USAGE: 'the command line is not valid',
  EC_UNKNOWN_SCENARIO: 'no scenario has that name or path',
  EC_BAD_SCENARIO: 'a scenario definition is not valid',
  EC_BAD_OPTION: 'a run option is not valid',
  EC_HUB_UNREACHABLE: 'the hub does not answer',
  EC_HUB_START: 'the hub could not start',
  EC_PROXY_UNREACHABLE: 'the Toxiproxy server does not answer',
  EC_PROXY_SETUP: 'the fault proxies could not be set up',
  EC_FLEET_SHARD: 'a fleet shard (a process, a container or a pod) failed to start or was lost',
  EC_KUBE_API: 'a Kubernetes API call failed (no kubeconfig, no access, or the cluster refused a manifest)',
  EC_REPORT_WRITE: 'the report could not be written',
  // A fleet shard that runs from its environment (a pod, a container, a local process over HTTP).
  EC_SHARD_CONFIG: "a network shard's environment or shard config is not valid",
  EC_SHARD_COLLECTOR: "a network shard lost, or was refused by, the coordinator's collector",
  EC_PEER_MISSING: 'an optional package the chosen feature needs is not installed, or does not load',
  // A hub's wire: a protocol profile (protocol/define.ts) or a built-in protocol's name.
  EC_BAD_PROTOCOL: 'a protocol profile is not valid',
  EC_UNKNOWN_PROTOCOL: 'no protocol has that name or path',
  // The reference hub.
  EC_HUB_DUPLICATE_WS_ROUTE: 'a WebSocket path has more than one handler',
  EC_HUB_BAD_OPTION: 'a hub option is invalid',
  EC_HUB_UNKNOWN_DEFECT: 'no hub defect has that name',
  EC_HUB_DB_OPEN: 'the command database cannot be opened or has another schema',
  EC_HUB_SQLITE_UNAVAILABLE: "better-sqlite3's native addon is not built for this Node",
  EC_HUB_BAD_COMMAND: 'a command payload is nested too deep or too large to store',
  EC_HUB_QUEUE_FULL: "an agent's pending-command queue is at its cap",
  // The Docker runtime.
  EC_DOCKER_UNAVAILABLE: 'no Docker engine answers',
  EC_DOCKER_COMMAND: 'a docker command or API call failed',
  EC_DOCKER_IMAGE_INPUT: 'the host lacks a file the image needs (node binary, a shared library)',
  EC_DOCKER_STARTUP: 'a container exited or timed out before it was ready',
  EC_DOCKER_OPTION: 'a container builder was given an option it cannot use',
  // The embedded Toxiproxy server (not its API answers: those are ToxiproxyApiError).
  EC_TOXIPROXY_LISTEN: 'the Toxiproxy API cannot listen on its address',
  EC_TOXIPROXY_BAD_OPTION: 'a Toxiproxy server option is invalid',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one base of every coded error. */
export class EdgeChaosError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  /** One line telling the user what to do about it. */
  readonly fix: string;

  constructor(code: Code, message: string, fix: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EdgeChaosError';
    this.code = code;
    this.fix = fix;
  }
}

/** The two lines every entry point prints for a coded error. */
export function formatError(error: EdgeChaosError): string {
  return `error: ${error.message}\nfix: ${error.fix}\n`;
}

/** Process exit codes: the check verdict and "this run cannot judge" kept apart. */
export const EXIT = { passed: 0, failed: 1, harness: 2 } as const;
