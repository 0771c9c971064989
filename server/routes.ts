import {
  ACKS_PATH,
  ADMIN_COMMANDS_PATH,
  AGENT_ID_PATTERN,
  HEALTH_PATH,
  METRICS_PATH,
  POLL_PATH,
  PROTOCOL_VERSION,
  type AcksRequest,
  type EnqueueRequest,
} from '../protocol/v1.ts';
import type { Hub } from './types.ts';

const agentIdSchema = { type: 'string', pattern: AGENT_ID_PATTERN } as const;

/** The hub's HTTP surface: polling fallback, admin, metrics, health. */
export function registerHttpRoutes(hub: Hub): void {
  const { app, metrics, store } = hub;

  const requireToken = async (request: { headers: { authorization?: string } }, reply: { code(n: number): { send(b: unknown): unknown } }) => {
    if (!hub.isAuthorized(request.headers.authorization)) return reply.code(401).send({ error: 'missing or wrong bearer token', status: 401 });
  };

  app.get<{ Querystring: { edge_agent_id: string } }>(POLL_PATH, {
    schema: { querystring: { type: 'object', required: ['edge_agent_id'], properties: { edge_agent_id: agentIdSchema } } },
    preHandler: requireToken,
  }, async (request) => {
    metrics.pollRequests.inc();
    const commands = store.pending(request.query.edge_agent_id);
    if (commands.length > 0) metrics.commandsDelivered.inc({ transport: 'poll' }, commands.length);
    return { commands };
  });

  app.post<{ Body: AcksRequest }>(ACKS_PATH, {
    schema: {
      body: {
        type: 'object',
        required: ['edge_agent_id', 'ids'],
        properties: { edge_agent_id: agentIdSchema, ids: { type: 'array', items: { type: 'string' }, maxItems: 10_000 } },
      },
    },
    preHandler: requireToken,
  }, async (request) => {
    const acked = store.ack(request.body.edge_agent_id, request.body.ids);
    metrics.commandsAcked.inc(acked);
    metrics.commandsPending.set(store.pendingCount());
    return { acked };
  });

  app.post<{ Body: EnqueueRequest }>(ADMIN_COMMANDS_PATH, {
    schema: {
      body: {
        type: 'object',
        required: ['edge_agent_id', 'name'],
        properties: { edge_agent_id: agentIdSchema, name: { type: 'string', minLength: 1, maxLength: 256 }, payload: {} },
      },
    },
  }, async (request, reply) => {
    const { edge_agent_id, name, payload } = request.body;
    const command = hub.enqueue(edge_agent_id, name, payload ?? null);
    return reply.code(201).send({ id: command.id });
  });

  app.get(METRICS_PATH, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.text();
  });

  app.get(HEALTH_PATH, async () => ({ status: 'ok', protocol: PROTOCOL_VERSION, connections: hub.connections.size }));

  app.get('/admin/routes', async () => hub.routeTable());
}
