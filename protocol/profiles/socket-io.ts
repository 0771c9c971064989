/**
 * Socket.IO 4 with the defaults (protocol/socket-io.ts): Engine.IO 4 over the
 * websocket transport at `/socket.io/`, namespace `/`, the agent's id in the
 * CONNECT's auth payload (`{ agentId, token }`), commands as the `command`
 * event (`{ id, name, payload }`) acked through the event's callback when the
 * hub asked for one, else with an `ack` event (`{ id }`); the Engine.IO pings
 * the hub sends are the liveness heartbeats. Polling, issuing and health are
 * protocol v1's HTTP routes (GET /edge/commands, POST /edge/acks, POST
 * /admin/commands, GET /healthz) on the same server. The zoo's Socket.IO hub
 * (harness/runtime/hubs/zoo/socketio-hub.mjs) and the Python one in
 * examples/protocols/socketio-hub/ speak it.
 */
import { defineSocketIoProtocol } from '../socket-io.ts';

export default defineSocketIoProtocol({ name: 'socket.io' });
