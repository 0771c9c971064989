import type { FastifyInstance } from 'fastify';
import type { Command } from '../protocol/v1.ts';
import type { HubAuth } from './auth.ts';
import type { HubParts } from './defects/index.ts';
import type { HubLimits } from './limits.ts';
import type { WsRouter } from './ws-router.ts';

/**
 * A built hub (buildHub in app.ts), in a file of its own so the parts
 * buildHub wires up (routes.ts) can name it without importing app.ts back.
 */
export interface Hub extends HubParts {
  readonly app: FastifyInstance;
  readonly pingIntervalMs: number;
  readonly limits: HubLimits;
  /** Queues a command and sends it at once when the agent is connected. */
  enqueue(agentId: string, name: string, payload: unknown): Command;
  readonly auth: HubAuth;
  routeTable(): { http: { method: string; url: string }[]; ws: ReturnType<WsRouter['table']> };
}
