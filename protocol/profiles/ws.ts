/**
 * Connection-only: any WebSocket endpoint, no commands. The agents dial the
 * hub URL as given (`--hub-url ws://host:port/path?query`), keep the
 * connection up with their backoff and judge liveness from the hub's
 * WebSocket pings; the connection checks judge, the delivery checks skip
 * saying why. Health is probed on the TCP port.
 */
import { defineProtocol } from '../define.ts';

export default defineProtocol({
  name: 'ws',
  socket: {},
  heartbeat: { by: 'pings' },
  // Whatever the hub sends is not ours to read: every frame is recognised and means nothing to the agent.
  ignore: [() => true],
  parse: (text) => text,
});
