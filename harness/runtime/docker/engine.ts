/**
 * Is there a Docker engine we can use? Also the one place that sets the
 * testcontainers environment this machine needs; every module here that
 * touches testcontainers imports this file first.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { getContainerRuntimeClient } from 'testcontainers';
import { DockerError, DockerErrorCode, START_ENGINE_FIX } from './errors.ts';

export type DockerAvailability = { available: true } | { available: false; reason: string };

/**
 * Sets what testcontainers must know before its first use, unless the user
 * already chose otherwise. Idempotent; runs when this module loads.
 */
export function configureTestcontainersEnv(): void {
  // Ryuk's image cannot be pulled here (no registry); we remove our own
  // containers instead (see cleanup.ts).
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  // Our containers use host networking, so they answer on loopback. Without
  // this, testcontainers running inside a container (a /.dockerenv exists)
  // looks for the "bridge" network's gateway, which dockerd --bridge=none does
  // not have, and then tries to pull alpine: both fail and it finds no engine.
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}
configureTestcontainersEnv();

type Endpoint =
  | { kind: 'unix'; socketPath: string; label: string }
  | { kind: 'tcp'; host: string; port: number; label: string }
  | { kind: 'other'; label: string };

/** Where the docker CLI and testcontainers look by default. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost === undefined || dockerHost === '') {
    return { kind: 'unix', socketPath: '/var/run/docker.sock', label: '/var/run/docker.sock' };
  }
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return { kind: 'unix', socketPath, label: socketPath };
  }
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { kind: 'tcp', host: url.hostname, port: Number(url.port || 2375), label: dockerHost };
  }
  return { kind: 'other', label: dockerHost };
}

/**
 * Answers whether testcontainers can reach an engine, and if not, why in
 * words a user can act on. Never throws.
 */
export async function dockerAvailability(opts: {
  /** How long to wait for the engine to answer, in ms. Default 5_000. */
  timeoutMs?: number;
} = {}): Promise<DockerAvailability> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let clientError: unknown;
  try {
    await withTimeout(getContainerRuntimeClient(), timeoutMs, 'testcontainers found no engine in time');
    return { available: true };
  } catch (err) {
    clientError = err;
  }
  // testcontainers' own error only says "no working strategy"; ping the
  // endpoint ourselves to tell the user which part is missing.
  const endpoint = dockerEndpoint();
  const pingProblem = await pingProblemOf(endpoint, timeoutMs);
  if (pingProblem !== undefined) {
    return { available: false, reason: `${pingProblem}; ${START_ENGINE_FIX}` };
  }
  return {
    available: false,
    reason:
      `a Docker engine answers at ${endpoint.label} but testcontainers cannot use it ` +
      `(${errorText(clientError)}); run with DEBUG=testcontainers* to see why`,
  };
}

/** Throws a coded error unless an engine answers; for callers that need one. */
export async function requireDocker(): Promise<void> {
  const availability = await dockerAvailability();
  if (!availability.available) {
    throw new DockerError(DockerErrorCode.unavailable, 'no usable Docker engine', availability.reason);
  }
}

/** Returns why the endpoint does not answer /_ping, or undefined if it does. */
async function pingProblemOf(endpoint: Endpoint, timeoutMs: number): Promise<string | undefined> {
  if (endpoint.kind === 'other') {
    return `cannot check the Docker engine at DOCKER_HOST=${endpoint.label} (only unix:// and tcp:// are supported here)`;
  }
  if (endpoint.kind === 'unix' && !existsSync(endpoint.socketPath)) {
    return `no Docker engine answers at ${endpoint.label} (the socket does not exist)`;
  }
  const target =
    endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `the Docker engine at ${endpoint.label} answered /_ping with HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`the Docker engine at ${endpoint.label} did not answer within ${timeoutMs} ms (is dockerd hung?)`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        resolve(`no Docker engine answers at ${endpoint.label} (connection refused: a stale socket from a stopped dockerd?)`);
      } else if (err.code === 'EACCES') {
        resolve(`no permission to use ${endpoint.label} (run as root or join the docker group)`);
      } else {
        resolve(`no Docker engine answers at ${endpoint.label} (${err.code ?? err.message})`);
      }
    });
    req.end();
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (${timeoutMs} ms)`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
