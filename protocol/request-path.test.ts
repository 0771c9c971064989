import { describe, expect, test } from 'vitest';
import { compileProtocol, defineProtocol } from './define.ts';

/**
 * A value placed in a request's path is one path segment, whoever made it:
 * the agent's id, and the hub's own command ids, which a hub may write with
 * characters that mean something in a URL ("jobs/7", "a b", "x?y").
 */
const profile = defineProtocol({
  name: 'path-ids',
  socket: { path: '/agents/{agent}/socket' },
  command: { match: { type: 'job' }, id: 'job.id', ack: false },
  polling: { path: '/agents/{agent}/jobs', list: 'jobs', id: 'id', ack: { per: 'command', method: 'POST', path: '/agents/{agent}/jobs/{command.id}/done' } },
});

describe('placeholders in a request path', () => {
  test("a command id is encoded as one segment of a per-command ack's path, as the agent id is", () => {
    const polling = compileProtocol(profile, { source: 'path-ids', env: {} }).agent.polling!;
    const acks = polling.acks('a-1', [{ id: 'jobs/7 x?y#z', name: '', payload: undefined }]);
    expect(acks.map((a) => a.request.path)).toEqual(['/agents/a-1/jobs/jobs%2F7%20x%3Fy%23z/done']);
    expect(new URL(acks[0]!.request.path, 'http://hub').pathname).toBe('/agents/a-1/jobs/jobs%2F7%20x%3Fy%23z/done');
  });
});
