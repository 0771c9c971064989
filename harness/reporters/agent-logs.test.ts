import { describe, expect, test } from 'vitest';
import { renderAgentLogs } from './agent-logs.ts';
import { sampleResult } from './result.test-support.ts';

describe('renderAgentLogs', () => {
  test('puts agents a failed check names first, in the incident\'s log format', () => {
    const logs = renderAgentLogs(sampleResult(), 1);
    expect([...logs.keys()]).toEqual(['agent-2']);
    expect(logs.get('agent-2')).toContain('[WARN] WebSocket closed: code=1000, reason=New connection established');
  });
});
