import { Counter, Gauge, Registry } from 'prom-client';
import type { FleetCounts } from './fleet/fleet.ts';
import type { History } from '../history/history.ts';

export interface RunMetricsOptions {
  history: History;
  agents: number;
  /** The fleet's agents by state now, once there is a fleet. */
  counts: () => FleetCounts | undefined;
  /** Shard processes (or pods) the fleet runs in; 0 when every agent is in this process. */
  shards: () => number;
  /** Ms since the run started. */
  clock: () => number;
}

/**
 * The run's live figures for Prometheus, in a registry of its own (two runs
 * in one process never share one). Counters follow the history as events
 * arrive, so at the end they equal the run result's tally (summary.json
 * `stats`); the agents by state come from the fleet when scraped.
 */
export class RunMetrics {
  readonly registry = new Registry();
  readonly #unsubscribe: () => void;

  constructor(options: RunMetricsOptions) {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    const connects = counter('edge_chaos_connects_total', 'WebSocket connections the agents opened (summary stats.connects)');
    const reconnects = counter('edge_chaos_reconnects_total', "Connections opened after an agent's first one");
    const disconnects = counter('edge_chaos_disconnects_total', 'Connections that ended, not by the agent stopping (summary stats.disconnects)');
    const connectFailures = counter('edge_chaos_connect_failures_total', 'Connection attempts that failed (summary stats.connectFailures)');
    const issued = counter('edge_chaos_commands_issued_total', 'Commands the harness issued through the hub (summary stats.commandsIssued)');
    const applied = counter('edge_chaos_commands_applied_total', 'Commands an agent applied, repeats not counted (summary stats.commandsApplied)');
    const events = counter('edge_chaos_history_events_total', 'Events appended to the run history, stored or counted past its cap');
    const opened = new Set<string>();
    const faults = new Set<string>();
    const redeploys = new Set<string>();
    const lostShards = new Set<number>();
    let phase = 'start';
    new Gauge({
      name: 'edge_chaos_agents',
      help: 'Agents by state now: connected (WebSocket), polling (HTTP fallback), down',
      labelNames: ['state'],
      registers,
      collect() {
        const c = options.counts() ?? { connected: 0, polling: 0, down: options.agents };
        this.set({ state: 'connected' }, c.connected);
        this.set({ state: 'polling' }, c.polling);
        this.set({ state: 'down' }, c.down);
      },
    });
    new Gauge({ name: 'edge_chaos_faults_active', help: 'Faults applied and not yet removed', registers, collect() { this.set(faults.size); } });
    new Gauge({ name: 'edge_chaos_redeploys_active', help: 'Hub redeploys under way', registers, collect() { this.set(redeploys.size); } });
    new Gauge({ name: 'edge_chaos_fleet_shards', help: 'Shard processes (or pods) the fleet runs in; 0 when the agents run in the harness', registers, collect() { this.set(options.shards()); } });
    new Gauge({ name: 'edge_chaos_fleet_shards_alive', help: 'Shards that have not died or been lost (see the shards-alive check)', registers, collect() { this.set(Math.max(0, options.shards() - lostShards.size)); } });
    // A count that only grows, so a counter (rate() works on it), read from the history's tally when scraped.
    new Counter({
      name: 'edge_chaos_events_lost_total',
      help: "Events a shard's full buffer lost before they reached the history",
      registers,
      collect() {
        this.reset();
        this.inc(Object.values(options.history.lost).reduce((a, b) => a + (b ?? 0), 0));
      },
    });
    // Not `_total`: Prometheus keeps that suffix for counters, and this is a fixed figure.
    new Gauge({ name: 'edge_chaos_run_agents', help: 'Agents in the run', registers, collect() { this.set(options.agents); } });
    new Gauge({ name: 'edge_chaos_run_elapsed_seconds', help: 'Time since the run started', registers, collect() { this.set(Math.round(options.clock()) / 1_000); } });
    new Gauge({
      name: 'edge_chaos_run_phase',
      help: 'The phase the run is in (1 for the current one): start, ramp, steady, settle, stop',
      labelNames: ['phase'],
      registers,
      collect() {
        this.reset();
        this.set({ phase }, 1);
      },
    });
    this.#unsubscribe = options.history.subscribe((e) => {
      events.inc();
      switch (e.type) {
        case 'ws.open':
          connects.inc();
          if (opened.has(e.agent)) reconnects.inc();
          else opened.add(e.agent);
          break;
        case 'ws.close':
          if (e.by !== 'stop') disconnects.inc();
          break;
        case 'ws.failed':
          connectFailures.inc();
          break;
        case 'command.issued':
          issued.inc();
          break;
        case 'command':
          if (!e.repeat) applied.inc();
          break;
        case 'fault.applied':
          faults.add(e.fault);
          break;
        case 'fault.removed':
          faults.delete(e.fault);
          break;
        case 'hub.redeploy':
          redeploys[e.phase === 'begin' ? 'add' : 'delete'](e.name);
          break;
        case 'fleet.shard.exit':
        case 'fleet.shard.lost':
          lostShards.add(e.shard);
          break;
        case 'run.phase':
          phase = e.phase;
          break;
      }
    });
  }

  /** The exposition, as /metrics serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.#unsubscribe();
  }
}
