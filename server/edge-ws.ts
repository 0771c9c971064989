import type { WebSocket } from 'ws';
import { decodeAgentMessage, encodeCommand } from '../protocol/v1.ts';
import type { CommandStore } from './commands.ts';
import type { ConnectionManager } from './connections.ts';
import type { HubMetrics } from './metrics.ts';
import type { WsContext } from './ws-router.ts';

export interface EdgeWsDeps {
  connections: ConnectionManager;
  store: CommandStore;
  metrics: HubMetrics;
}

/** Sends every pending command for the agent over its live socket. */
export function resendPending(deps: EdgeWsDeps, agentId: string): void {
  for (const command of deps.store.pending(agentId)) {
    if (!deps.connections.send(agentId, encodeCommand(command))) return;
    deps.metrics.commandsDelivered.inc({ transport: 'ws' });
  }
}

/** Applies an agent's ack frames to the command store. */
export function listenForAcks(deps: EdgeWsDeps, socket: WebSocket, agentId: string): void {
  socket.on('message', (data, isBinary) => {
    // A socket closed by its frame budget (or closing for any reason) has its remaining frames ignored.
    if (isBinary || socket.readyState !== socket.OPEN) return;
    const decoded = decodeAgentMessage(data.toString());
    if (!decoded.ok) return;
    const acked = deps.store.ack(agentId, [decoded.message.id]);
    deps.metrics.commandsAcked.inc(acked);
    deps.metrics.commandsPending.set(deps.store.pendingCount());
  });
}

/** The one WebSocket handler a sound hub has on /ws. */
export function edgeWsHandler(deps: EdgeWsDeps) {
  return (socket: WebSocket, { agentId }: WsContext): void => {
    deps.connections.register(agentId, socket);
    listenForAcks(deps, socket, agentId);
    resendPending(deps, agentId);
  };
}
