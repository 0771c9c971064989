/**
 * Protocol v1, edge-chaos's own wire (docs/protocol.md), written as a
 * profile like any hub's: the reference hub in server/ speaks it, and it is
 * the protocol a run uses when none is given. The constants in ../v1.ts are
 * what the reference hub is built from; this profile says the same wire to
 * the agents and the harness, and protocol/v1.test.ts holds the two together.
 */
import { defineProtocol } from '../define.ts';
import { ACKS_PATH, ADMIN_COMMANDS_PATH, AGENT_ID_PARAM, CLOSE_REPLACED, HEALTH_PATH, METRIC_NAMES, METRICS_PATH, POLL_PATH, WS_PATH } from '../v1.ts';

export default defineProtocol({
  name: 'v1',
  socket: {
    path: WS_PATH,
    query: { [AGENT_ID_PARAM]: '{agent}' },
    headers: { authorization: 'Bearer {token}' },
  },
  heartbeat: { by: 'pings' },
  command: {
    match: { type: 'command' },
    id: 'id',
    name: 'name',
    payload: 'payload',
    ack: { type: 'ack', id: '{command.id}' },
  },
  polling: {
    path: POLL_PATH,
    query: { [AGENT_ID_PARAM]: '{agent}' },
    list: 'commands',
    more: 'more',
    ack: { per: 'batch', method: 'POST', path: ACKS_PATH, body: { [AGENT_ID_PARAM]: '{agent}', ids: '{ids}' } },
  },
  issue: {
    method: 'POST',
    path: ADMIN_COMMANDS_PATH,
    body: { [AGENT_ID_PARAM]: '{agent}', name: '{name}', payload: '{payload}' },
    id: 'id',
  },
  replaceClose: CLOSE_REPLACED,
  health: { path: HEALTH_PATH },
  metrics: {
    path: METRICS_PATH,
    names: METRIC_NAMES,
  },
});
