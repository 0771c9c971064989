/**
 * Deadlines for work against a peer that may stop answering: the hub's
 * /healthz prober, an agent's poll (and the acks it posts), a shard's
 * requests to its collector.
 *
 * Our own timer, never `AbortSignal.any([signal, AbortSignal.timeout(ms)])`:
 * on Node 20 the combined signal holds its sources weakly, a collected
 * timeout signal never fires, and work against a hub that died mid-request
 * hung for good (seen at 5,000 agents: an agent stopped polling for the rest
 * of a crash; health probes to a hung hub stopped settling).
 */

/** fetchWithDeadline's time ran out: the error names the URL and the ms. */
export class DeadlineError extends Error {
  readonly url: string;
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(`no answer from ${url} within ${timeoutMs} ms`);
    this.name = 'DeadlineError';
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An AbortController whose signal also aborts when `timeoutMs` have passed,
 * or when `outer` aborts, whichever comes first; call clear() when the work
 * is done (in a finally), so no timer or listener outlives it. On time out
 * `expired` is true (the signal's reason is a plain abort()'s AbortError); on
 * an outer abort the reason is the outer signal's.
 *
 * It is the controller itself (not a wrapper around one), so work that must
 * be stopped early calls abort() on it, and an agent's poll, thousands a
 * second in a big fleet, costs what a bare controller and timer cost.
 */
export class Deadline extends AbortController {
  #expired = false;
  #timer: NodeJS.Timeout | undefined;
  #outer: AbortSignal | undefined;

  constructor(timeoutMs: number, outer?: AbortSignal) {
    super();
    if (outer?.aborted) {
      this.abort(outer.reason);
      return;
    }
    this.#timer = setTimeout(() => this.#expire(), timeoutMs);
    if (outer) {
      this.#outer = outer;
      // The deadline is its own listener (handleEvent): no closure per deadline.
      outer.addEventListener('abort', this, { once: true });
    }
  }

  /** True once the time ran out; false when the work finished or was aborted first. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Stops the timer and lets go of the outer signal. Idempotent; does not abort. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#outer?.removeEventListener('abort', this);
    this.#outer = undefined;
  }

  [Symbol.dispose](): void {
    this.clear();
  }

  /** The outer signal aborted (EventListener protocol; not for callers). */
  handleEvent(): void {
    const reason: unknown = this.#outer?.reason;
    this.clear();
    this.abort(reason);
  }

  #expire(): void {
    this.#expired = true;
    this.clear();
    // A plain abort(), as before this helper: an agent records the fetch errors it sees (an ack cut
    // by the timeout says "This operation was aborted"); `expired` tells the timeout apart.
    this.abort();
  }
}

/**
 * fetch() that settles by `timeoutMs`: with the answer (or what `read` makes
 * of it, its body read inside the deadline too), or with a DeadlineError
 * naming the URL and the ms, at the deadline whatever fetch does (the request
 * is aborted then as well). An `init.signal` still aborts it, rejecting with
 * that signal's reason. No timer or listener is left behind either way.
 */
export function fetchWithDeadline(url: string | URL, init: RequestInit, timeoutMs: number): Promise<Response>;
export function fetchWithDeadline<T>(url: string | URL, init: RequestInit, timeoutMs: number, read: (response: Response) => Promise<T>): Promise<T>;
export function fetchWithDeadline<T>(url: string | URL, init: RequestInit, timeoutMs: number, read?: (response: Response) => Promise<T>): Promise<T | Response> {
  const deadline = new Deadline(timeoutMs, init.signal ?? undefined);
  const { signal } = deadline;
  return new Promise<T | Response>((resolve, reject) => {
    const onAbort = () => reject(deadline.expired ? new DeadlineError(String(url), timeoutMs) : signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    // Cleared before settling, so the caller resumes with nothing of ours left running.
    const done = () => {
      deadline.clear();
      signal.removeEventListener('abort', onAbort);
    };
    fetch(url, { ...init, signal })
      .then((response): Promise<T | Response> | Response => (read ? read(response) : response))
      .then(
        (value) => (done(), resolve(value)),
        (error: unknown) => (done(), reject(error)),
      );
  });
}
