/**
 * Waits until an HTTP URL on the host answers. testcontainers' own HTTP wait
 * looks up a mapped port, which host-networked containers do not have, so it
 * would poll until timeout; this one polls the URL directly and fails fast,
 * with the exit code, if the container exits first.
 */
import { request } from 'node:http';
import type { WaitStrategy } from 'testcontainers';

type DockerodeContainer = Parameters<WaitStrategy['waitUntilReady']>[0];

const POLL_INTERVAL_MS = 100;
const REQUEST_TIMEOUT_MS = 1_000;

export class HostHttpWaitStrategy implements WaitStrategy {
  readonly url: string;
  readonly #statusCode: number | undefined;
  #startupTimeoutMs = 30_000;
  #startupTimeoutSet = false;

  /** statusCode: the status that means ready; default any 2xx; 0 means any HTTP answer at all (a foreign hub). */
  constructor(url: string, statusCode?: number) {
    this.url = url;
    this.#statusCode = statusCode;
  }

  async waitUntilReady(container: DockerodeContainer): Promise<void> {
    const deadlineMs = Date.now() + this.#startupTimeoutMs;
    let lastProblem = 'no answer yet';
    for (;;) {
      const state = (await container.inspect()).State;
      if (!state.Running) {
        throw new Error(`the container exited (code ${state.ExitCode}) before ${this.url} answered`);
      }
      const status = await httpStatus(this.url);
      const ok = typeof status === 'number' && (this.#statusCode === undefined ? status >= 200 && status < 300 : this.#statusCode === 0 || status === this.#statusCode);
      if (ok) {
        return;
      }
      lastProblem = typeof status === 'number' ? `last answer HTTP ${status}` : `last error ${status}`;
      if (Date.now() >= deadlineMs) {
        throw new Error(`${this.url} did not answer ${this.#statusCode ?? '2xx'} within ${this.#startupTimeoutMs} ms (${lastProblem})`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.#startupTimeoutMs = startupTimeoutMs;
    this.#startupTimeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#startupTimeoutSet;
  }

  getStartupTimeout(): number {
    return this.#startupTimeoutMs;
  }
}

/** The status code, or the error code when there was no answer. */
function httpStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    // agent: false, so no keep-alive socket outlives the wait.
    const req = request(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('ETIMEDOUT')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}
