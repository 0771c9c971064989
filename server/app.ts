import type { Duplex } from 'node:stream';
import { createServer, type IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';
import {
  AGENT_ID_PARAM,
  AGENT_ID_RULE,
  CLOSE_SERVICE_RESTART,
  DEFAULT_PING_INTERVAL_MS,
  WS_PATH,
  encodeCommand,
  isValidAgentId,
} from '../protocol/v1.ts';
import { checkDurationMs, timerMs } from '../common/duration.ts';
import { MAX_HUB_DURATION_MS, MIN_PING_INTERVAL_MS } from './limits.ts';
import { resolveLimits, type HubLimitOptions } from './limits.ts';
import { limitFrameRate } from './frame-budget.ts';
import { jsonNestsDeeperThan, payloadProblem } from './payload.ts';
import { HubAuth, accessDenied } from './auth.ts';
import { MemoryCommandStore, type CommandStore } from './commands.ts';
import { ConnectionManager } from './connections.ts';
import { resolveHubDefects } from './defects/index.ts';
import { edgeWsHandler } from './edge-ws.ts';
import { HubError } from './errors.ts';
import { HubMetrics } from './metrics.ts';
import { registerHttpRoutes } from './routes.ts';
import { SqliteCommandStore } from './sqlite-store.ts';
import type { Hub } from './types.ts';
import { WsRouter } from './ws-router.ts';

export type { Hub } from './types.ts';

/** Options of the reference hub; the limits (queue cap, page size, timeouts, frame budget...) are in HubLimitOptions (server/limits.ts). */
export interface HubOptions extends HubLimitOptions {
  /** Interval between WebSocket pings to every agent, ms, 10 to 86_400_000 (24 h). Default 10_000. */
  pingIntervalMs?: number;
  /** Agent tokens: when non-empty, the WebSocket upgrade and /edge/* need `Authorization: Bearer <token>` with one of these. Default: none (open). */
  tokens?: readonly string[];
  /** Admin tokens for /admin/* (and /metrics unless metricsOpen). Default: the agent tokens; none at all leaves admin open. */
  adminTokens?: readonly string[];
  /** Serve /metrics without a token even when admin tokens are set. Default false. */
  metricsOpen?: boolean;
  /** Named defects to switch on (see server/defects). Default none. */
  defects?: readonly string[];
  /**
   * SQLite file that keeps pending commands across restarts (created if
   * missing; hubs started on the same file share them). `:memory:` or unset:
   * in process memory, gone when the hub stops. Not with `store`.
   */
  dbPath?: string;
  /** Where pending commands live, when the caller builds it; the hub closes it on close. Default: in memory (see dbPath). Not with `dbPath`. */
  store?: CommandStore;
  /** Fastify logger setting. Default false (the harness records its own events). */
  logger?: boolean | { level: string };
  /** Also export Node process metrics (memory, event loop). Default false. */
  processMetrics?: boolean;
}

/**
 * The reference hub as an app that has not listened: callers (main.ts,
 * tests, the harness) choose where it listens. Route inspection runs when
 * the app becomes ready, so a hub with a duplicate WebSocket handler refuses
 * to start.
 */
export function buildHub(options: HubOptions = {}): Hub {
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  checkDurationMs(pingIntervalMs, { flag: 'pingIntervalMs', minMs: MIN_PING_INTERVAL_MS, maxMs: MAX_HUB_DURATION_MS, code: 'EC_HUB_BAD_OPTION' });
  if (options.store && options.dbPath !== undefined) {
    throw new HubError('EC_HUB_BAD_OPTION', `both store and dbPath (${JSON.stringify(options.dbPath)}) were given`, 'pass one: dbPath for the SQLite store, or a store you built');
  }
  if (options.dbPath === '') throw new HubError('EC_HUB_BAD_OPTION', 'dbPath is empty', 'pass a file path, or :memory: to keep commands in memory');
  const defects = resolveHubDefects(options.defects ?? []);
  const auth = new HubAuth(options);
  const limits = resolveLimits(options);
  const payloadLimits = limits;
  const app = Fastify({
    logger: options.logger ?? false,
    forceCloseConnections: true,
    bodyLimit: limits.bodyLimitBytes,
    // Fastify sets no timeouts on a server it did not create; Node checks requestTimeout only every
    // connectionsCheckingInterval (30 s by default), so that is tied to the timeout here.
    serverFactory: (handler) => createServer({
      requestTimeout: timerMs(limits.requestTimeoutMs),
      headersTimeout: timerMs(limits.requestTimeoutMs),
      connectionsCheckingInterval: timerMs(Math.max(25, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4)))),
    }, handler),
  });
  // Checked before parsing: a body nested deeper than any valid request (a command body is the payload plus one level) is a 400, never a stack overflow.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const maxBodyDepth = payloadLimits.maxPayloadDepth + 1;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestsDeeperThan(String(body), maxBodyDepth)) {
      const error = Object.assign(new Error(`JSON body is nested too deep: a command payload may not be nested deeper than ${payloadLimits.maxPayloadDepth} levels (maxPayloadDepth), a request body not deeper than ${maxBodyDepth}`), { statusCode: 400 });
      return done(error, undefined);
    }
    parseJson(request, body as string, done);
  });
  const metrics = new HubMetrics({ defaultMetrics: options.processMetrics ?? false });
  // One error shape for every refusal, the hub's own and Fastify's (schema, body parser, limits): {error, status}.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error(error);
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message, status });
  });
  const httpRoutes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') httpRoutes.push({ method, url: route.url });
  });

  const hub: Hub = {
    app,
    pingIntervalMs,
    limits,
    metrics,
    ws: new WsRouter(),
    connections: new ConnectionManager(metrics),
    // Opened last among the options, so a bad option above leaves no file handle behind.
    // Defects run after this and may swap it (volatile-queue).
    store: options.store ?? (options.dbPath && options.dbPath !== ':memory:' ? new SqliteCommandStore(options.dbPath) : new MemoryCommandStore()),
    inspectRoutes: true,
    enqueue(agentId, name, payload) {
      const problem = payloadProblem(payload, payloadLimits);
      if (problem) throw new HubError('EC_HUB_BAD_COMMAND', `command ${JSON.stringify(name)} for ${agentId}: ${problem}`, 'send a smaller, flatter payload, or raise the limit named');
      const pending = hub.store.pendingFor(agentId);
      if (pending >= limits.maxPendingPerAgent) {
        throw new HubError('EC_HUB_QUEUE_FULL', `agent ${agentId} has ${pending} commands pending, the cap (maxPendingPerAgent ${limits.maxPendingPerAgent})`, 'wait for the agent to ack some, or raise maxPendingPerAgent');
      }
      const command = hub.store.enqueue(agentId, name, payload);
      metrics.commandsEnqueued.inc();
      metrics.commandsPending.set(hub.store.pendingCount());
      if (hub.connections.send(agentId, encodeCommand(command))) metrics.commandsDelivered.inc({ transport: 'ws' });
      return command;
    },
    auth,
    routeTable: () => ({ http: [...httpRoutes], ws: hub.ws.table() }),
  };

  let closing = false;
  let pingTimer: NodeJS.Timeout | undefined;
  hub.ws.route(WS_PATH, 'edge-ws', edgeWsHandler(hub));
  for (const defect of defects) defect.apply(hub);
  registerHttpRoutes(hub);
  attachUpgrade(hub);

  app.addHook('onReady', async () => {
    if (hub.inspectRoutes) hub.ws.inspect();
    // A hub started on a file that an earlier one left commands in reports them before any enqueue or ack.
    metrics.commandsPending.set(hub.store.pendingCount());
    pingTimer = setInterval(() => hub.connections.heartbeat(), timerMs(pingIntervalMs));
    pingTimer.unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(pingTimer);
    closing = true;
    await hub.connections.closeAll(CLOSE_SERVICE_RESTART.code, CLOSE_SERVICE_RESTART.reason);
  });
  app.addHook('onClose', async () => {
    hub.store.close();
  });

  function attachUpgrade(h: Hub): void {
    // allowSynchronousEvents false: one 'message' per tick, so a socket whose buffer holds thousands of frames yields to the others between them.
    const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: limits.wsMaxFrameBytes, allowSynchronousEvents: false });
    app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://hub.invalid');
      if (closing) return refuse(socket, 503, 'hub is shutting down');
      if (!h.ws.has(url.pathname)) return refuse(socket, 404, `no WebSocket route at ${url.pathname}`);
      const agentId = url.searchParams.get(AGENT_ID_PARAM);
      if (url.searchParams.getAll(AGENT_ID_PARAM).length > 1) return refuse(socket, 400, `${AGENT_ID_PARAM} given more than once`);
      if (!isValidAgentId(agentId)) {
        return refuse(socket, 400, `${AGENT_ID_PARAM} must be ${AGENT_ID_RULE}, got ${JSON.stringify(agentId)}`);
      }
      const access = h.auth.agentAccess(request.headers.authorization);
      if (access !== 'granted') {
        const denied = accessDenied(access, 'agent');
        return refuse(socket, denied.status, denied.error);
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => {}); // a peer's protocol error closes the socket; the close is what we record
        limitFrameRate(ws, limits.wsFrameBudget, limits.wsFrameWindowMs);
        metrics.connectionsAccepted.inc();
        metrics.handlersPerConnection.observe(h.ws.dispatch(url.pathname, ws, { agentId, request }));
      });
    });

    function refuse(socket: Duplex, status: number, message: string): void {
      metrics.upgradesRejected.inc({ status: String(status) });
      const body = JSON.stringify({ error: message, status });
      const statusText = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
      socket.end(
        `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  }

  return hub;
}
