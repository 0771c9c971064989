import { describe, expect, test } from 'vitest';
import { evaluateChecks } from './index.ts';
import { HistoryBuilder } from './history.test-support.ts';

describe('evaluateChecks', () => {
  test('runs only the configured checks, in a fixed order whatever the config order', () => {
    const input = new HistoryBuilder().connections('agent-1', 3).input(['agent-1']);
    const results = evaluateChecks(input, {
      hubReplaced: {},
      connectionDurations: {},
      reconnects: { maxPerAgent: 5 },
      connectionLoop: {},
    });
    expect(results.map((r) => r.id)).toEqual(['connection-loop', 'reconnects', 'connection-durations', 'hub-connections-replaced']);
    expect(results.map((r) => r.status)).toEqual(['failed', 'passed', 'passed', 'skipped']);
    expect(evaluateChecks(input, {})).toEqual([]);
  });
});
