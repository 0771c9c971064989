import { describe, expect, test } from 'vitest';
import { compileProtocol, defineProtocol } from './define.ts';

/**
 * App-level heartbeats from the hub (`heartbeat: { by: 'hub' }`) whose
 * interval the hub takes from its environment (PING_INTERVAL_MS, which a hub
 * the harness starts is told), as WebSocket pings may: the profile need not
 * pin it, and when it does not, the run's interval holds.
 */
const appPings = {
  name: 'app-pings',
  socket: { path: '/agents/{agent}/socket' },
  heartbeat: { by: 'hub' as const, match: { type: 'ping' }, reply: { type: 'pong', seq: '{frame.seq}' } },
};

describe("heartbeat by: 'hub'", () => {
  test('without intervalMs is a valid profile, and leaves the interval to the run', () => {
    const protocol = compileProtocol(defineProtocol(appPings), { source: 'app-pings', env: {} });
    expect(protocol.heartbeatIntervalMs).toBeUndefined();
    expect(protocol.heartbeatBy).toBe('hub');
    expect(protocol.agent.read(JSON.stringify({ type: 'ping', seq: 7 }), 'a-1')).toEqual({ kind: 'heartbeat', reply: '{"type":"pong","seq":7}' });
  });

  test('with intervalMs pins it, and a bad one is refused naming the field', () => {
    expect(compileProtocol(defineProtocol({ ...appPings, heartbeat: { ...appPings.heartbeat, intervalMs: 2_000 } }), { source: 'app-pings', env: {} }).heartbeatIntervalMs).toBe(2_000);
    expect(() => defineProtocol({ ...appPings, heartbeat: { ...appPings.heartbeat, intervalMs: 5 } })).toThrow(/heartbeat\.intervalMs must be a number of ms >= 10, got 5/);
  });
});
