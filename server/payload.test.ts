import { describe, expect, test } from 'vitest';
import { pollUrl } from '../protocol/v1.ts';
import { enqueueCommand } from './hub.test-support.ts';
import { startHub } from './start.ts';
import { SqliteCommandStore } from './sqlite-store.ts';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function postCommand(hubUrl: string, agentId: string, payloadJson: string): Promise<Response> {
  return fetch(new URL('/admin/commands', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"edge_agent_id":${JSON.stringify(agentId)},"name":"deep","payload":${payloadJson}}`,
  });
}

describe('command payloads are checked at enqueue, so nothing stored can poison a poll', () => {
  test.each([33, 4_111, 5_000, 100_000])('a payload nested %d deep is a 400 naming the limit, and the agent still polls', async (depth) => {
    await using hub = await startHub({ store: new SqliteCommandStore(':memory:') });
    const refused = await postCommand(hub.url, 'edge-1', nested(depth));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/nested deeper than 32/);
    const poll = await fetch(pollUrl(hub.url, 'edge-1'));
    expect(poll.status).toBe(200);
    expect(await poll.json()).toMatchObject({ commands: [] });
  });

  test('a payload at the depth limit is taken and comes back intact', async () => {
    await using hub = await startHub({ store: new SqliteCommandStore(':memory:') });
    expect((await postCommand(hub.url, 'edge-1', nested(32))).status).toBe(201);
    const poll = (await (await fetch(pollUrl(hub.url, 'edge-1'))).json()) as { commands: { payload: unknown }[] };
    expect(JSON.stringify(poll.commands[0]!.payload)).toBe(nested(32));
  });

  test('a payload larger than maxPayloadBytes is a 400 naming the limit', async () => {
    await using hub = await startHub({ maxPayloadBytes: 1_000 });
    const refused = await postCommand(hub.url, 'edge-1', JSON.stringify('x'.repeat(1_000)));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/larger than 1000 bytes/);
    expect(await enqueueCommand(hub.url, 'edge-1', 'fits', 'x'.repeat(900))).toEqual(expect.any(String));
  });

  test('deep JSON on any route is a 400, not a 500', async () => {
    await using hub = await startHub();
    const acks = await fetch(new URL('/edge/acks', hub.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"edge_agent_id":"a","ids":[],"extra":${nested(50_000)}}` });
    expect(acks.status).toBe(400);
  });

  test('hub.enqueue() refuses the same payloads with EC_HUB_BAD_COMMAND', async () => {
    await using hub = await startHub();
    expect(() => hub.hub.enqueue('edge-1', 'deep', JSON.parse(nested(40)))).toThrow(expect.objectContaining({ code: 'EC_HUB_BAD_COMMAND' }));
  });
});
