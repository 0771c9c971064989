/**
 * The one stand-in hub of the tests: a tiny hand-driven protocol-v1 hub built
 * from node:http and ws on port 0, so a test controls exactly what an agent
 * (or a whole run, given its url as --hub-url) sees: refused upgrades,
 * silence, commands on demand, polls that never get an answer, connections
 * the test closes. It has no /metrics and no admin API, like a hub that is
 * not ours. The reference hub (server/) and the matrix's zoo
 * (harness/runtime/hubs/zoo/) are the real hubs; this one is for tests only.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Command, PollResponse } from './v1.ts';

export interface RawHubOptions {
  /** Accept WebSocket upgrades; when false they get HTTP 503. Default true. Can be changed later. */
  acceptUpgrades?: boolean;
  /** Ping every socket this often, ms. Default: never (a silent hub). */
  pingIntervalMs?: number;
}

/**
 * A hand-driven hub. Emits 'connection' (socket, agentId), 'ws-ack' (id),
 * 'poll', 'http-ack' (ids) and 'pong' so tests can wait on what happened.
 */
export class RawHub extends EventEmitter implements AsyncDisposable {
  acceptUpgrades: boolean;
  /** What GET /edge/commands answers. */
  pollCommands: Command[] = [];
  /** When set, GET /edge/commands answers this instead (the paging extension's `more`, for one). */
  pollAnswer: (() => PollResponse) | undefined;
  /** Take every GET /edge/commands and never answer it (a hub that died mid-request, or hangs). Can be changed later. */
  holdPolls = false;
  polls = 0;
  /** WebSocket connections accepted so far. */
  connections = 0;
  readonly wsAcks: string[] = [];
  readonly httpAcks: string[] = [];
  readonly sockets = new Set<WebSocket>();
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #pingIntervalMs: number | undefined;
  readonly #held = new Set<ServerResponse>();
  #pingTimer: NodeJS.Timeout | undefined;

  private constructor(options: RawHubOptions) {
    super();
    this.acceptUpgrades = options.acceptUpgrades ?? true;
    this.#pingIntervalMs = options.pingIntervalMs;
    this.#server = createServer((req, res) => this.#http(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  static async start(options: RawHubOptions = {}): Promise<RawHub> {
    const hub = new RawHub(options);
    hub.#server.listen(0, '127.0.0.1');
    await once(hub.#server, 'listening');
    if (hub.#pingIntervalMs !== undefined) {
      hub.#pingTimer = setInterval(() => {
        for (const s of hub.sockets) if (s.readyState === WebSocket.OPEN) s.ping();
      }, hub.#pingIntervalMs);
    }
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  send(socket: WebSocket, command: Command): void {
    socket.send(JSON.stringify({ type: 'command', ...command }));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node hands an upgraded socket over without an error listener: an agent that resets it (its
    // test ending) must not throw out of the process, which vitest reports as an unhandled error.
    socket.on('error', () => {});
    if (!this.acceptUpgrades) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const agentId = new URL(req.url ?? '/', 'http://x').searchParams.get('edge_agent_id') ?? '';
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on('error', () => {});
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('pong', () => this.emit('pong'));
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { type?: string; id?: string };
        if (frame.type === 'ack' && typeof frame.id === 'string') {
          this.wsAcks.push(frame.id);
          this.emit('ws-ack', frame.id);
        }
      });
      this.emit('connection', ws, agentId);
    });
  }

  #http(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/edge/commands') {
      this.polls++;
      this.emit('poll');
      if (this.holdPolls) {
        this.#held.add(res);
        res.on('close', () => this.#held.delete(res));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.pollAnswer?.() ?? { commands: this.pollCommands }));
      return;
    }
    if (req.method === 'POST' && path === '/edge/acks') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const ids = (JSON.parse(body) as { ids: string[] }).ids;
        this.httpAcks.push(...ids);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ acked: ids.length }));
        this.emit('http-ack', ids);
      });
      return;
    }
    res.writeHead(404).end();
  }

  /** Resolves once `event` has been emitted `count` more times. */
  times(event: string, count: number, timeoutMs = 10_000): Promise<void> {
    if (count <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let seen = 0;
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`only ${seen} of ${count} '${event}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = () => {
        if (++seen < count) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve();
      };
      this.on(event, listener);
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#pingTimer);
    for (const s of this.sockets) s.terminate();
    for (const res of this.#held) res.destroy();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
