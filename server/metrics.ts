import { CLOSE_FRAME_RATE, CLOSE_REPLACED, CLOSE_SERVICE_RESTART } from '../protocol/v1.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client Registry per hub instance, so two hubs in one process (a
 * rolling redeploy, a test) never share or collide on metrics.
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly connectionsOpen: Gauge;
  readonly connectionsAccepted: Counter;
  readonly disconnects: Counter<'code' | 'reason'>;
  readonly connectionDuration: Histogram;
  readonly connectionsReplaced: Counter;
  readonly handlersPerConnection: Histogram;
  readonly commandsEnqueued: Counter;
  readonly commandsDelivered: Counter<'transport'>;
  readonly commandsAcked: Counter;
  readonly commandsPending: Gauge;
  readonly pollRequests: Counter;
  readonly upgradesRejected: Counter<'status'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.connectionsOpen = new Gauge({ name: 'edge_hub_connections_open', help: 'WebSocket connections open now', registers });
    this.connectionsAccepted = new Counter({ name: 'edge_hub_connections_accepted_total', help: 'WebSocket upgrades accepted', registers });
    this.disconnects = new Counter({
      name: 'edge_hub_disconnects_total',
      help: 'WebSocket connections that ended, by close code and reason',
      labelNames: ['code', 'reason'],
      registers,
    });
    this.connectionDuration = new Histogram({
      name: 'edge_hub_connection_duration_seconds',
      help: 'How long WebSocket connections stayed open',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.connectionsReplaced = new Counter({
      name: 'edge_hub_connections_replaced_total',
      help: 'Connections closed because a newer one registered for the same agent id',
      registers,
    });
    this.handlersPerConnection = new Histogram({
      name: 'edge_hub_ws_handlers_per_connection',
      help: 'WebSocket handlers invoked for each accepted connection (1 when routes are sound)',
      buckets: [1, 2, 3, 5],
      registers,
    });
    this.commandsEnqueued = new Counter({ name: 'edge_hub_commands_enqueued_total', help: 'Commands accepted for delivery', registers });
    this.commandsDelivered = new Counter({
      name: 'edge_hub_commands_delivered_total',
      help: 'Command deliveries (including re-sends), by transport',
      labelNames: ['transport'],
      registers,
    });
    this.commandsAcked = new Counter({ name: 'edge_hub_commands_acked_total', help: 'Commands acknowledged for the first time', registers });
    this.commandsPending = new Gauge({ name: 'edge_hub_commands_pending', help: 'Commands not yet acknowledged', registers });
    this.pollRequests = new Counter({ name: 'edge_hub_poll_requests_total', help: 'HTTP polling requests served', registers });
    this.upgradesRejected = new Counter({
      name: 'edge_hub_upgrades_rejected_total',
      help: 'WebSocket upgrades refused before the handshake, by HTTP status',
      labelNames: ['status'],
      registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Close reasons that get their own label: the protocol's, the reference agent's, and none at all. */
const KNOWN_CLOSE_REASONS: ReadonlySet<string> = new Set([CLOSE_REPLACED.reason, CLOSE_SERVICE_RESTART.reason, CLOSE_FRAME_RATE.reason, 'agent stopping', '']);

/** Keeps label cardinality bounded when peers send arbitrary close reasons: known reasons by name, the rest as `other`. */
export function reasonLabel(reason: string): string {
  return KNOWN_CLOSE_REASONS.has(reason) ? reason : 'other';
}

/** Registered close codes (RFC 6455 and IANA's 1000..1015) by number; application codes (3000..4999) as `other`. */
export function codeLabel(code: number): string {
  return code >= 1000 && code <= 1015 ? String(code) : 'other';
}
