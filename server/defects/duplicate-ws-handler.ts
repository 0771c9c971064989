import { WS_PATH } from '../../protocol/v1.ts';
import { listenForAcks, resendPending } from '../edge-ws.ts';
import type { HubDefect } from './types.ts';

/**
 * The incident's bug, as a real code path: a second, older /ws handler that
 * accepts the socket and registers it with the connection manager itself.
 * Both handlers run for every connection, the second registration replaces
 * the first, and the manager closes the live socket with 1000 "New connection
 * established". Route inspection is bypassed, or the hub would refuse to start.
 */
export const duplicateWsHandler: HubDefect = {
  name: 'duplicate-ws-handler',
  description: 'two /ws handlers both register each connection, so every connection is closed with 1000 "New connection established" (the incident)',
  apply(hub) {
    hub.inspectRoutes = false;
    hub.ws.route(WS_PATH, 'legacy-edge-ws', (socket, { agentId }) => {
      hub.connections.register(agentId, socket);
      listenForAcks(hub, socket, agentId);
      resendPending(hub, agentId);
    });
  },
};
