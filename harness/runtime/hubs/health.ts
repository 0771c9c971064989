import { setMaxListeners } from 'node:events';
import { connect } from 'node:net';
import { DeadlineError, fetchWithDeadline } from '../../../common/deadline.ts';
import { causeText } from '../../errors.ts';
import type { HubExitEvent, HubHealthEvent, HubProbesEvent } from '../../history/events.ts';
import type { HubRuntime } from './types.ts';

export const DEFAULT_PROBE_INTERVAL_MS = 1_000;
/** Generous: a hub on a loaded 2-core machine may take a second or two to answer; only silence counts. */
export const DEFAULT_PROBE_TIMEOUT_MS = 4_000;
/** Failed-probe times kept per outage: over 15 min of them, enough to judge any outage a run can explain. */
const KEPT_FAILURES = 1_000;

export type HubWatchEvent = HubHealthEvent | HubProbesEvent | HubExitEvent;

export interface HubWatcherOptions {
  /** The hub serving now; read at each probe, so a rolling deploy's new hub is watched from the switch on. */
  current: () => HubRuntime;
  /** Ms since the run started. */
  clock: () => number;
  sink: (event: HubWatchEvent) => void;
  /** Between probe starts, ms. Default 1_000. */
  intervalMs?: number;
  /** How long a probe waits for any answer, ms. Default 4_000. */
  timeoutMs?: number;
  /** The hub's health endpoint (GET; any answer below 500 is up). `false`: the hub has none, a TCP connect to its port is the probe. Default '/healthz'. */
  healthPath?: string | false;
}

/** A started watcher: stopping (or disposing) it records its totals once. */
export interface HubWatcher extends AsyncDisposable {
  /** Stops probing and watching for exits, drops probes still in flight, and records the totals. Idempotent. */
  stop(): void;
}

interface Probe {
  t: number;
  url: string;
  /** `status` absent: a TCP probe. */
  outcome?: { ok: true; status?: number; latencyMs: number } | { ok: false; reason: string; status?: number; latencyMs: number };
}

/**
 * Watches the run's hub: GET /healthz on the serving hub about once a
 * second, and the exits of hub processes the harness started. Any HTTP
 * answer below 500 within the timeout counts as answering (a hub without
 * /healthz answers 404 and is alive); no answer, a refused connection or a
 * 5xx does not. Only changes are recorded (`hub.health` up/down), plus the
 * totals at the end (`hub.probes`) and each process exit (`hub.exit`).
 *
 * Probes start on a fixed beat and may overlap, so a hub that hangs is found
 * a failed probe per second after the first timeout, not one per timeout;
 * results are applied in start order, so an early answer cannot flip the
 * state before an earlier probe's timeout. A stall of the harness's own
 * event loop starts no probes while it lasts, so it can fail at most the
 * one or two in flight.
 */
export function startHubWatcher(options: HubWatcherOptions): HubWatcher {
  const { clock, sink } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const healthPath = options.healthPath ?? '/healthz';
  const queue: Probe[] = [];
  const exitSubscriptions = new Map<HubRuntime, () => void>();
  let state: 'unknown' | 'up' | 'down' = 'unknown';
  let probes = 0;
  let answered = 0;
  let maxLatencyMs = 0;
  let failedAtMs: number[] = [];
  let failedProbes = 0;
  let stopped = false;

  const follow = (hub: HubRuntime) => {
    if (exitSubscriptions.has(hub) || !hub.onExit) return;
    exitSubscriptions.set(
      hub,
      hub.onExit((exit) => sink({ t: clock(), type: 'hub.exit', hub: hub.kind, pid: exit.pid, code: exit.code, signal: exit.signal, planned: exit.planned })),
    );
  };

  const apply = (probe: Probe) => {
    const outcome = probe.outcome!;
    probes++;
    if (outcome.ok) {
      answered++;
      maxLatencyMs = Math.max(maxLatencyMs, outcome.latencyMs);
      if (state !== 'up') {
        sink({ t: probe.t, type: 'hub.health', state: 'up', url: probe.url, latencyMs: outcome.latencyMs, ...(outcome.status !== undefined ? { status: outcome.status } : {}), ...(failedProbes > 0 ? { failedAtMs, failedProbes } : {}) });
      }
      state = 'up';
      failedAtMs = [];
      failedProbes = 0;
      return;
    }
    failedProbes++;
    failedAtMs.push(probe.t);
    if (failedAtMs.length > KEPT_FAILURES) failedAtMs.shift();
    if (state !== 'down') {
      sink({ t: probe.t, type: 'hub.health', state: 'down', url: probe.url, latencyMs: outcome.latencyMs, reason: outcome.reason, ...(outcome.status !== undefined ? { status: outcome.status } : {}) });
    }
    state = 'down';
  };

  const drain = () => {
    while (!stopped && queue[0]?.outcome) apply(queue.shift()!);
  };

  // One signal for every probe in flight: stop() drops them all. A hung hub holds timeoutMs / intervalMs
  // probes in flight, each listening on it, so Node's warning at 11 listeners would be a false alarm.
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal);
  const settle = (probe: Probe, outcome: NonNullable<Probe['outcome']>) => {
    if (probe.outcome) return;
    probe.outcome = outcome;
    drain();
  };

  const probeOnce = async () => {
    const hub = options.current();
    follow(hub);
    const probe: Probe = { t: clock(), url: hub.url };
    queue.push(probe);
    // The deadline settles a probe at the timeout whatever fetch does, so it never holds up the ones behind it.
    try {
      if (healthPath === false) {
        await tcpConnect(hub.url, stopping.signal, timeoutMs);
        settle(probe, { ok: true, latencyMs: Math.round(clock() - probe.t) });
        return;
      }
      const response = await fetchWithDeadline(new URL(healthPath, httpBase(hub.url)), { signal: stopping.signal }, timeoutMs);
      const latencyMs = Math.round(clock() - probe.t);
      settle(probe, response.status < 500 ? { ok: true, status: response.status, latencyMs } : { ok: false, reason: `HTTP ${response.status}`, status: response.status, latencyMs });
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      settle(probe, { ok: false, reason: error instanceof DeadlineError ? `no answer within ${timeoutMs} ms` : causeText(error), latencyMs: Math.round(clock() - probe.t) });
    }
  };

  void probeOnce();
  const timer = setInterval(() => void probeOnce(), intervalMs);

  const stop = () => {
    if (stopped) return;
    drain();
    stopped = true;
    clearInterval(timer);
    stopping.abort();
    for (const unsubscribe of exitSubscriptions.values()) unsubscribe();
    exitSubscriptions.clear();
    sink({ t: clock(), type: 'hub.probes', probes, answered, intervalMs, timeoutMs, maxLatencyMs, failedAtMs, failedProbes });
  };
  return { stop, [Symbol.asyncDispose]: async () => stop() };
}

/** The hub URL as HTTP: a ws:// hub URL (connection-only hubs) is probed over http://. */
function httpBase(url: string): string {
  return url.replace(/^ws(s?):/, 'http$1:');
}

/** Resolves once a TCP connection to the hub URL's port opens (then closes it); rejects with DeadlineError past `timeoutMs`. */
function tcpConnect(url: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const target = new URL(httpBase(url));
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port, signal });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DeadlineError(`tcp://${target.host}`, timeoutMs));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
