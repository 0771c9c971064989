/**
 * Is there a Docker engine we can use? Also sets the testcontainers
 * environment this machine needs when it loads (testcontainers.ts sets it
 * again before the package's first import); every module here that touches
 * testcontainers imports this file first.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { request } from 'node:http';
import { EdgeChaosError } from '../../../common/errors.ts';
import { DockerError, DockerErrorCode, START_ENGINE_FIX } from './errors.ts';
import { configureTestcontainersEnv, loadTestcontainers } from './testcontainers.ts';

export { configureTestcontainersEnv } from './testcontainers.ts';
configureTestcontainersEnv();

export type DockerAvailability = { available: true } | { available: false; reason: string };

export type Endpoint =
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
 * Answers whether we can use an engine, and if not, why in words a user can
 * act on. "Use" means all four things this folder relies on: testcontainers
 * is installed (an optional peer), the endpoint the docker CLI talks to
 * answers /_ping, testcontainers finds an engine, and the docker CLI is
 * installed. Never throws.
 */
export async function dockerAvailability(opts: {
  /** How long to wait for the engine to answer, in ms. Default 5_000. */
  timeoutMs?: number;
} = {}): Promise<DockerAvailability> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let testcontainers;
  try {
    testcontainers = await loadTestcontainers();
  } catch (err) {
    return { available: false, reason: err instanceof EdgeChaosError ? `${err.message}; ${err.fix}` : errorText(err) };
  }
  const endpoint = dockerEndpoint();
  // Our own ping first: testcontainers' error only says "no working strategy",
  // and it falls back to /var/run/docker.sock where the CLI would not.
  const pingProblem = await engineProblem(endpoint, timeoutMs);
  if (pingProblem !== undefined) {
    return { available: false, reason: `${pingProblem}; ${START_ENGINE_FIX}` };
  }
  try {
    await withTimeout(testcontainers.getContainerRuntimeClient(), timeoutMs, 'testcontainers found no engine in time');
  } catch (err) {
    return {
      available: false,
      reason:
        `a Docker engine answers at ${endpoint.label} but testcontainers cannot use it ` +
        `(${errorText(err)}); run with DEBUG='testcontainers*' to see why`,
    };
  }
  if (!onPath('docker')) {
    return {
      available: false,
      reason: 'the docker CLI is not on PATH (image import and cleanup use it); install it with: apt-get install docker.io',
    };
  }
  return { available: true };
}

/** Throws a coded error unless an engine answers; for callers that need one. */
export async function requireDocker(): Promise<void> {
  // Not installed is its own error, with the install command, not "no engine".
  await loadTestcontainers();
  const availability = await dockerAvailability();
  if (!availability.available) {
    throw new DockerError(DockerErrorCode.unavailable, 'no usable Docker engine', availability.reason);
  }
}

/**
 * Why the endpoint does not answer GET /_ping with 200, or undefined if it
 * does (or if it is of a kind we cannot ping, such as ssh://: then
 * testcontainers' check decides).
 */
export async function engineProblem(endpoint: Endpoint, timeoutMs: number): Promise<string | undefined> {
  if (endpoint.kind === 'other') return undefined;
  if (endpoint.kind === 'unix' && !existsSync(endpoint.socketPath)) {
    return `no Docker engine answers at ${endpoint.label} (the socket does not exist)`;
  }
  const target =
    endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
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

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
