import { expect, test } from 'vitest';
import { checkConnectionLoop } from '../checks/connection-loop.ts';
import type { HistoryEvent } from './events.ts';
import { History } from './history.ts';

test('past the cap, high-volume events are counted, connections are kept and the loop detector stays exact', () => {
  const history = new History(10);
  const seen: HistoryEvent[] = [];
  history.subscribe((e) => seen.push(e));
  let t = 0;
  // Ten short connections in a row, each with chatter around it.
  for (let conn = 1; conn <= 10; conn++) {
    history.append({ t: t++, agent: 'agent-1', type: 'ws.connecting', attempt: conn - 1 });
    history.append({ t: t++, agent: 'agent-1', type: 'ws.open', conn });
    history.append({ t: t++, agent: 'agent-1', type: 'ws.close', conn, code: 1000, reason: 'New connection established', openMs: 1, by: 'remote' });
    history.append({ t: t++, agent: 'agent-1', type: 'poll', ok: false, commands: 0, error: 'ECONNREFUSED' });
  }
  expect(seen).toHaveLength(40);
  expect(history.events.filter((e) => e.type === 'ws.close')).toHaveLength(10);
  expect(history.events.filter((e) => e.type === 'ws.open')).toHaveLength(10);
  expect(history.dropped.poll).toBeGreaterThan(0);
  expect(history.dropped['ws.connecting']).toBeGreaterThan(0);
  expect(history.events.length).toBe(40 - (history.dropped.poll ?? 0) - (history.dropped['ws.connecting'] ?? 0));

  const result = checkConnectionLoop({ events: history.events, agents: ['agent-1'], endMs: t }, {});
  expect(result.status).toBe('failed');
  if (result.status !== 'failed') return;
  expect((result.evidence as { looping: { cycles: number }[] }).looping[0]!.cycles).toBe(10);
});
