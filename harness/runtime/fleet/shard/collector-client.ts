import { DeadlineError, fetchWithDeadline } from '../../../../common/deadline.ts';
import { sleep } from '../../../../common/sleep.ts';
import { EdgeChaosError } from '../../../../common/errors.ts';
import { COLLECTOR_PATHS, NDJSON, encodeBatch, estimateClock, type BatchAck, type ClockEstimate, type ClockReply, type ShardBatch, type ShardHello } from './wire.ts';

export interface CollectorClientOptions {
  /** http://host:port of the collector. */
  url: string;
  token: string;
  /** This shard's 0-based index. */
  index: number;
  /** Give up once nothing has answered for this long, ms. */
  unreachableGraceMs: number;
  requestTimeoutMs: number;
}

/** First retry delay after a failed request, ms; doubled each time up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

/** The collector answered, but not with what a retry could fix (a bad token, a batch it cannot read): the shard stops. */
class Refused extends Error {}

/**
 * The shard's side of the HTTP transport. Every request is retried on a
 * dropped connection, a timeout or a 5xx, until the collector has not
 * answered for the grace; then the shard gives up (EC_SHARD_COLLECTOR). A
 * batch is retried with its sequence number unchanged, so the collector
 * applies it once even when only its ack was lost.
 */
export class CollectorClient {
  readonly #options: CollectorClientOptions;
  #lastContactMs = performance.now();
  readonly #closed = new AbortController();

  constructor(options: CollectorClientOptions) {
    this.#options = options;
  }

  /** Several request/response pairs against the coordinator's clock; the tightest one gives the offset. */
  async measureClock(samples: number): Promise<ClockEstimate> {
    const pairs: { sentMs: number; receivedMs: number; serverMs: number }[] = [];
    for (let i = 0; i < samples; i++) {
      await this.#retrying('the clock', async () => {
        const sentMs = performance.timeOrigin + performance.now();
        const reply = (await this.#json(await this.#request('GET', COLLECTOR_PATHS.clock))) as ClockReply;
        const receivedMs = performance.timeOrigin + performance.now();
        if (typeof reply?.nowEpochMs !== 'number') throw new Refused('the clock answer has no nowEpochMs');
        pairs.push({ sentMs, receivedMs, serverMs: reply.nowEpochMs });
      });
    }
    return estimateClock(pairs);
  }

  async hello(hello: ShardHello): Promise<void> {
    await this.#retrying('the hello', async () => {
      await this.#json(await this.#request('POST', COLLECTOR_PATHS.hello(this.#options.index), JSON.stringify(hello), 'application/json'));
    });
  }

  /** Delivers one batch: resolves once the collector acked its sequence number. */
  async send(batch: ShardBatch): Promise<void> {
    const body = encodeBatch(batch);
    await this.#retrying(`batch ${batch.seq}`, async () => {
      const reply = (await this.#json(await this.#request('POST', COLLECTOR_PATHS.events(this.#options.index), body, NDJSON))) as BatchAck;
      if (!(typeof reply?.ack === 'number' && reply.ack >= batch.seq)) throw new Refused(`the collector acked ${JSON.stringify(reply?.ack)} for batch ${batch.seq}`);
    });
  }

  /** Ends any wait between retries at once (the shard is stopping without the collector). */
  close(): void {
    this.#closed.abort();
  }

  async #retrying(what: string, attempt: () => Promise<void>): Promise<void> {
    let delayMs = RETRY_FIRST_MS;
    for (;;) {
      try {
        await attempt();
        this.#lastContactMs = performance.now();
        return;
      } catch (error) {
        const { url, unreachableGraceMs } = this.#options;
        if (error instanceof Refused) {
          throw new EdgeChaosError('EC_SHARD_COLLECTOR', `the collector at ${url} refused ${what}: ${error.message}`, 'check that EDGE_CHAOS_RUN_TOKEN, JOB_COMPLETION_INDEX and the shard config are the ones the coordinator wrote for this run');
        }
        const silentMs = performance.now() - this.#lastContactMs;
        if (silentMs >= unreachableGraceMs || this.#closed.signal.aborted) {
          throw new EdgeChaosError('EC_SHARD_COLLECTOR', `the collector at ${url} has not answered for ${Math.round(silentMs / 1_000)} s (${what}: ${(error as Error).message}); the shard stops its agents`, `start the shard while its run is going (EDGE_CHAOS_COLLECTOR_URL must reach the coordinator), or raise transport.unreachableGraceMs (now ${unreachableGraceMs} ms)`);
        }
        // The last try falls on the grace itself, not a backoff step past it.
        await sleep(Math.min(delayMs, unreachableGraceMs - silentMs), this.#closed.signal);
        delayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
      }
    }
  }

  async #request(method: 'GET' | 'POST', path: string, body?: string, contentType?: string): Promise<Response> {
    const { requestTimeoutMs } = this.#options;
    // close() cuts the requests in flight; one begun after it goes out as it always has (a listener on an
    // aborted signal never fired), and #retrying gives up on its failure.
    const closed = this.#closed.signal.aborted ? undefined : this.#closed.signal;
    try {
      // Read the body inside the deadline too: a reset can cut the answer half-way.
      const answer = await fetchWithDeadline(
        new URL(path, this.#options.url),
        { method, body, headers: { authorization: `Bearer ${this.#options.token}`, ...(contentType ? { 'content-type': contentType } : {}) }, signal: closed },
        requestTimeoutMs,
        (response) => response.text().then((text) => ({ text, status: response.status })),
      );
      return new Response(answer.text, { status: answer.status });
    } catch (error) {
      if (error instanceof DeadlineError) throw new Error(`no answer within ${requestTimeoutMs} ms`);
      if (closed?.aborted && error === closed.reason) throw new Error('the shard is stopping');
      const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
      throw new Error(cause?.code ?? cause?.message ?? (error as Error).message);
    }
  }

  async #json(response: Response): Promise<unknown> {
    const text = await response.text();
    if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status !== 200) throw new Refused(`HTTP ${response.status}${(body as { error?: string })?.error ? `: ${(body as { error: string }).error}` : ''}`);
    return body;
  }
}
