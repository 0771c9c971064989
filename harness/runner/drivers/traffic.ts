import type { Rng } from '../../../common/rng.ts';
import { ADMIN_COMMANDS_PATH, type EnqueueResponse } from '../../../protocol/v1.ts';
import type { History } from '../../history/history.ts';

/**
 * A steady trickle of commands, each to an agent picked from the run's
 * seeded stream, through the hub's admin API, for the whole run. Every call
 * that does not issue its command is recorded (404s included): one 404 does
 * not switch traffic off, since a hub may answer 404 for a while and then
 * work. Only when every call answered 404/405 is the API missing (a foreign
 * hub); the delivery check then skips, saying why.
 */
export class CommandTraffic {
  readonly #hubUrl: () => string;
  readonly #agents: readonly string[];
  readonly #rng: Rng;
  readonly #history: History;
  readonly #clock: () => number;
  readonly #token: string | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #sequence = 0;
  #issued = 0;
  #noRoute = 0;
  #otherFailures = 0;

  /** `token`: sent as `Authorization: Bearer <token>` on admin calls. */
  constructor(opts: { hubUrl: () => string; agents: readonly string[]; rng: Rng; history: History; clock: () => number; token?: string }) {
    this.#token = opts.token;
    this.#hubUrl = opts.hubUrl;
    this.#agents = opts.agents;
    this.#rng = opts.rng;
    this.#history = opts.history;
    this.#clock = opts.clock;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.#issueOne(), intervalMs);
  }

  /** Stops issuing and waits for requests already sent. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#inFlight);
  }

  /** Why no commands could be issued: every call so far answered 404 or 405. */
  get unavailable(): string | undefined {
    if (this.#issued > 0 || this.#otherFailures > 0 || this.#noRoute === 0) return undefined;
    return `the hub has no POST ${ADMIN_COMMANDS_PATH} (HTTP 404/405 to all ${this.#noRoute} call(s)), so the harness cannot issue commands`;
  }

  #issueOne(): void {
    const agent = this.#agents[Math.floor(this.#rng.next() * this.#agents.length)]!;
    const name = `cmd-${++this.#sequence}`;
    const request = this.#send(agent, name);
    this.#inFlight.add(request);
    void request.finally(() => this.#inFlight.delete(request));
  }

  async #send(agent: string, name: string): Promise<void> {
    // Stamped when sent: the hub may deliver over the WebSocket before its HTTP answer arrives.
    const sentAt = this.#clock();
    try {
      const response = await fetch(new URL(ADMIN_COMMANDS_PATH, this.#hubUrl()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}) },
        body: JSON.stringify({ edge_agent_id: agent, name, payload: { sequence: this.#sequence } }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status !== 201 && response.status !== 200) {
        await response.body?.cancel();
        if (response.status === 404 || response.status === 405) this.#noRoute++;
        else this.#otherFailures++;
        this.#history.append({ t: this.#clock(), type: 'command.issue.failed', agent, name, sentAtMs: sentAt, error: `HTTP ${response.status}`, status: response.status });
        return;
      }
      const body = (await response.json()) as EnqueueResponse;
      this.#issued++;
      this.#history.append({ t: sentAt, type: 'command.issued', agent, id: String(body.id), name });
    } catch (error) {
      this.#otherFailures++;
      this.#history.append({ t: this.#clock(), type: 'command.issue.failed', agent, name, sentAtMs: sentAt, error: (error as Error).message });
    }
  }
}
