import type { Rng } from '../../../common/rng.ts';
import { randomBytes } from 'node:crypto';
import { COMMAND_TOKEN_FIELD, sendWireRequest, type HubApi } from '../../../protocol/wire.ts';
import type { History } from '../../history/history.ts';

/**
 * A steady trickle of commands, each to an agent picked from the run's
 * seeded stream, through the hub's own issuing call (its protocol's `issue`:
 * v1's POST /admin/commands, or what a profile says), for the whole run. Every call
 * that does not issue its command is recorded (404s included): one 404 does
 * not switch traffic off, since a hub may answer 404 for a while and then
 * work. Only when every call answered 404/405 is the API missing (a foreign
 * hub); the delivery check then skips, saying why.
 */
export class CommandTraffic {
  readonly #hubUrl: () => string;
  readonly #issue: NonNullable<HubApi['issue']>;
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
  /** Makes this run's tokens its own: a hub holding commands from an earlier run (same names, cmd-N) is not taken for this one's. */
  readonly #runTag = randomBytes(4).toString('hex');

  /** `token`: the harness's admin token, sent as `Authorization: Bearer <token>` on issuing calls over the protocol's own authorization. */
  constructor(opts: { hubUrl: () => string; issue: NonNullable<HubApi['issue']>; agents: readonly string[]; rng: Rng; history: History; clock: () => number; token?: string }) {
    this.#token = opts.token;
    this.#issue = opts.issue;
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
    const { method, path } = this.#issue.request('{agent}', 'cmd', {});
    return `the hub has no ${method} ${path.split('?')[0]} (HTTP 404/405 to all ${this.#noRoute} call(s)), so the harness cannot issue commands`;
  }

  #runToken(name: string): string {
    return `${name}@${this.#runTag}`;
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
    const token = this.#runToken(name);
    try {
      // The run's token for the command, in its payload: a hub that re-ids commands is still matched.
      const request = this.#issue.request(agent, name, { sequence: this.#sequence, [COMMAND_TOKEN_FIELD]: token });
      // The harness's own calls carry its admin token (--admin-token, else --token) over the profile's authorization.
      if (this.#token) request.headers = { ...request.headers, authorization: `Bearer ${this.#token}` };
      const response = await sendWireRequest(this.#hubUrl(), request, AbortSignal.timeout(5_000));
      // Any 2xx took the command (a job queue's 202 Accepted too); its id is read from the body.
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel();
        if (response.status === 404 || response.status === 405) this.#noRoute++;
        else this.#otherFailures++;
        this.#history.append({ t: this.#clock(), type: 'command.issue.failed', agent, name, token, sentAtMs: sentAt, error: `HTTP ${response.status}`, status: response.status });
        return;
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const answer = this.#issue.read(body);
      if (!answer.ok) {
        this.#otherFailures++;
        this.#history.append({ t: this.#clock(), type: 'command.issue.failed', agent, name, token, sentAtMs: sentAt, error: answer.why, status: response.status, unreadable: true });
        return;
      }
      this.#issued++;
      this.#history.append({ t: sentAt, type: 'command.issued', agent, id: answer.id, name, token });
    } catch (error) {
      this.#otherFailures++;
      this.#history.append({ t: this.#clock(), type: 'command.issue.failed', agent, name, token, sentAtMs: sentAt, error: (error as Error).message });
    }
  }
}
