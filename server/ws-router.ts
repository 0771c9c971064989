import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { HubError } from './errors.ts';

export interface WsContext {
  agentId: string;
  request: IncomingMessage;
}

export type WsHandler = (socket: WebSocket, ctx: WsContext) => void;

export interface WsRouteEntry {
  path: string;
  /** Handler names in registration order; more than one is the incident's bug. */
  handlers: string[];
}

/**
 * The hub's WebSocket routes. Like the framework in the incident, it invokes
 * every handler registered for a path, which is why `inspect()` exists: the
 * hub calls it before listening and refuses to start on a duplicate.
 */
export class WsRouter {
  readonly #routes = new Map<string, { name: string; handler: WsHandler }[]>();

  route(path: string, name: string, handler: WsHandler): void {
    let list = this.#routes.get(path);
    if (!list) this.#routes.set(path, (list = []));
    list.push({ name, handler });
  }

  has(path: string): boolean {
    return this.#routes.has(path);
  }

  table(): WsRouteEntry[] {
    return [...this.#routes].map(([path, list]) => ({ path, handlers: list.map((h) => h.name) }));
  }

  /** Throws when any path has more than one handler. */
  inspect(): void {
    const duplicates = this.table().filter((r) => r.handlers.length > 1);
    if (duplicates.length === 0) return;
    const detail = duplicates.map((r) => `${r.path} -> ${r.handlers.join(', ')}`).join('; ');
    throw new HubError(
      'EC_HUB_DUPLICATE_WS_ROUTE',
      `WebSocket route inspection failed: more than one handler per path (${detail})`,
      'remove the extra handler registration so each WebSocket path has exactly one handler',
    );
  }

  /** Runs every handler for the path; returns how many ran. */
  dispatch(path: string, socket: WebSocket, ctx: WsContext): number {
    const list = this.#routes.get(path) ?? [];
    for (const { handler } of list) handler(socket, ctx);
    return list.length;
  }
}
