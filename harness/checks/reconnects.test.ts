import { describe, expect, test } from 'vitest';
import { HistoryBuilder, evidenceOf } from './history.test-support.ts';
import { checkReconnects } from './reconnects.ts';

describe('checkReconnects', () => {
  test('counts every open after an agent\'s first as a reconnect and fails agents over the limit', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 4, { openMs: 10 }) // 3 reconnects
      .connections('agent-2', 2, { openMs: 10 }) // 1 reconnect
      .connection('agent-3', 0, 30_000, { by: 'stop' }); // none
    const result = checkReconnects(history.input(['agent-1', 'agent-2', 'agent-3', 'agent-4']), { maxPerAgent: 1 });
    expect(result.status).toBe('failed');
    expect(evidenceOf(result)).toMatchObject({
      maxPerAgent: 1,
      total: 4,
      worst: [
        { agent: 'agent-1', reconnects: 3 },
        { agent: 'agent-2', reconnects: 1 },
        { agent: 'agent-3', reconnects: 0 },
        { agent: 'agent-4', reconnects: 0 },
      ],
    });
    expect(result.summary).toContain('agent-1 (3)');
    expect(result.summary).not.toContain('agent-2');
  });

  test('exactly maxPerAgent reconnects passes', () => {
    const history = new HistoryBuilder().connections('agent-1', 3, { openMs: 10 });
    const result = checkReconnects(history.input(['agent-1']), { maxPerAgent: 2 });
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({ total: 2 });
  });

  test('ties are listed in natural agent order (agent-2 before agent-10)', () => {
    const history = new HistoryBuilder().connections('agent-10', 2).connections('agent-2', 2);
    const result = checkReconnects(history.input(['agent-10', 'agent-2']), { maxPerAgent: 0 });
    expect((result as { evidence: { worst: { agent: string }[] } }).evidence.worst.map((w) => w.agent)).toEqual(['agent-2', 'agent-10']);
  });

  test('a fleet that never connected has no reconnects', () => {
    const result = checkReconnects(new HistoryBuilder().input(['agent-1', 'agent-2']), { maxPerAgent: 0 });
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({ total: 0 });
  });
});
