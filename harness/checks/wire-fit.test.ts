import { describe, expect, test } from 'vitest';
import { checkWireFit, shownUpgradeUrl } from './wire-fit.ts';
import { HistoryBuilder } from './history.test-support.ts';

describe('checkWireFit', () => {
  test('a hub that refused every session inside the socket (a Socket.IO connect_error) is a misfit, not a loop to blame on it', () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 3; i++) {
      h.event({ t: i * 1_000, agent: 'agent-1', type: 'ws.open', conn: i + 1 });
      h.event({ t: i * 1_000 + 5, agent: 'agent-1', type: 'ws.close', conn: i + 1, code: 4001, reason: 'socket.io connect_error: Invalid namespace', openMs: 5, by: 'remote', refused: true });
    }
    const result = checkWireFit(h.input(['agent-1']), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('the hub refused every session the agents offered (3 of 3, first 4001 "socket.io connect_error: Invalid namespace")');
  });

  test('one session it took is not a misfit: refusing some is the hub\'s own business, judged by the other checks', () => {
    const h = new HistoryBuilder();
    h.event({ t: 0, agent: 'agent-1', type: 'ws.open', conn: 1 });
    h.event({ t: 5, agent: 'agent-1', type: 'ws.close', conn: 1, code: 4001, reason: 'socket.io connect_error: busy', openMs: 5, by: 'remote', refused: true });
    h.event({ t: 1_000, agent: 'agent-1', type: 'ws.open', conn: 2 });
    expect(checkWireFit(h.input(['agent-1']), {}).status).toBe('passed');
  });

  test('every upgrade 401: the credentials, not the protocol', () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 4; i++) h.event({ t: i, agent: `agent-${i}`, type: 'ws.failed', attempt: 0, error: 'hub answered the upgrade with HTTP 401', status: 401 });
    const result = checkWireFit({ ...h.input(['agent-0']), upgradeUrl: 'ws://h:1/agents/agent-1/socket' }, {});
    expect(result.summary).toContain('refused every upgrade as unauthorized (HTTP 401 x4 to ws://h:1/agents/agent-1/socket)');
    expect(result.summary).toContain('--token');
  });

  test('an upgrade URL is shown with query values other than the agent id hidden', () => {
    expect(shownUpgradeUrl('ws://h:1/ws?edge_agent_id=agent-1&key=s3cret', 'agent-1')).toBe('ws://h:1/ws?edge_agent_id=agent-1&key=…');
  });
});
