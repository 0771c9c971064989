import {
  ACKS_PATH,
  ADMIN_COMMANDS_PATH,
  AGENT_ID_PATTERN,
  HEALTH_PATH,
  METRICS_PATH,
  POLL_PATH,
  POLL_LIMIT_PARAM,
  PROTOCOL_VERSION,
  type PollResponse,
  type AcksRequest,
  type EnqueueRequest,
} from '../protocol/v1.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from './types.ts';
import { HubError } from './errors.ts';
import { MAX_POLL_PAGE_SIZE } from './limits.ts';
import { accessDenied, type Access } from './auth.ts';

const agentIdSchema = { type: 'string', pattern: AGENT_ID_PATTERN } as const;

/** The hub's HTTP surface: polling fallback, admin, metrics, health. */
export function registerHttpRoutes(hub: Hub): void {
  const { app, metrics, store } = hub;

  const guard = (route: 'agent' | 'admin', access: (authorization: string | undefined) => Access) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const result = access(request.headers.authorization);
      if (result === 'granted') return;
      const denied = accessDenied(result, route);
      return reply.code(denied.status).send({ error: denied.error, status: denied.status });
    };
  // onRequest, not preHandler: a caller without the token learns nothing from how its body or query would have been judged.
  const requireToken = guard('agent', (a) => hub.auth.agentAccess(a));
  const requireAdmin = guard('admin', (a) => hub.auth.adminAccess(a));
  const requireMetrics = guard('admin', (a) => hub.auth.metricsAccess(a));

  app.get<{ Querystring: { edge_agent_id: string; limit?: number } }>(POLL_PATH, {
    schema: {
      querystring: {
        type: 'object',
        required: ['edge_agent_id'],
        properties: { edge_agent_id: agentIdSchema, [POLL_LIMIT_PARAM]: { type: 'integer', minimum: 1, maximum: MAX_POLL_PAGE_SIZE } },
      },
    },
    onRequest: requireToken,
  }, async (request): Promise<PollResponse> => {
    metrics.pollRequests.inc();
    const limit = request.query.limit ?? hub.limits.pollPageSize;
    // One more than the page tells whether more wait, without counting them all.
    const commands = store.pending(request.query.edge_agent_id, limit + 1);
    const more = commands.length > limit;
    if (more) commands.length = limit;
    if (commands.length > 0) metrics.commandsDelivered.inc({ transport: 'poll' }, commands.length);
    return { commands, more };
  });

  app.post<{ Body: AcksRequest }>(ACKS_PATH, {
    schema: {
      body: {
        type: 'object',
        required: ['edge_agent_id', 'ids'],
        properties: { edge_agent_id: agentIdSchema, ids: { type: 'array', items: { type: 'string' }, maxItems: 10_000 } },
      },
    },
    onRequest: requireToken,
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
    onRequest: requireAdmin,
  }, async (request, reply) => {
    const { edge_agent_id, name, payload } = request.body;
    try {
      const command = hub.enqueue(edge_agent_id, name, payload ?? null);
      return await reply.code(201).send({ id: command.id });
    } catch (error) {
      if (error instanceof HubError && error.code === 'EC_HUB_BAD_COMMAND') return reply.code(400).send({ error: error.message, status: 400 });
      if (error instanceof HubError && error.code === 'EC_HUB_QUEUE_FULL') return reply.code(429).send({ error: error.message, status: 429 });
      throw error;
    }
  });

  app.get(METRICS_PATH, { onRequest: requireMetrics }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.text();
  });

  app.get(HEALTH_PATH, async () => ({ status: 'ok', protocol: PROTOCOL_VERSION, connections: hub.connections.size }));

  app.get('/admin/routes', { onRequest: requireAdmin }, async () => hub.routeTable());
}
