import { describe, expect, test } from 'vitest';
import { pollUrl, wsUrl } from '../protocol/v1.ts';
import { RawClients, bearer } from './hub.test-support.ts';
import { startHub, type StartedHub } from './start.ts';

/** The status every route answers with this token (undefined: no Authorization header). */
async function statuses(hub: StartedHub, token: string | undefined): Promise<Record<string, number>> {
  await using clients = new RawClients(hub.url);
  const headers = { ...bearer(token), 'content-type': 'application/json' };
  const at = (path: string) => new URL(path, hub.url);
  const status = async (response: Promise<Response>) => {
    const r = await response;
    await r.body?.cancel();
    return r.status;
  };
  return {
    ws: await clients.upgradeStatus(wsUrl(hub.url, 'edge-1'), token === undefined ? {} : { token }),
    poll: await status(fetch(pollUrl(hub.url, 'edge-1'), { headers })),
    acks: await status(fetch(at('/edge/acks'), { method: 'POST', headers, body: JSON.stringify({ edge_agent_id: 'edge-1', ids: [] }) })),
    enqueue: await status(fetch(at('/admin/commands'), { method: 'POST', headers, body: JSON.stringify({ edge_agent_id: 'edge-1', name: 'x' }) })),
    routes: await status(fetch(at('/admin/routes'), { headers })),
    metrics: await status(fetch(at('/metrics'), { headers })),
    healthz: await status(fetch(at('/healthz'), { headers })),
  };
}

const agentOk = { ws: 101, poll: 200, acks: 200 };
const agentNo = { ws: 401, poll: 401, acks: 401 };
const adminOk = { enqueue: 201, routes: 200, metrics: 200 };
const adminNo = { enqueue: 401, routes: 401, metrics: 401 };

describe('hub auth', () => {
  test('agent and admin tokens apart: each route takes its own token only; /healthz is open', async () => {
    await using hub = await startHub({ tokens: ['agent-t'], adminTokens: ['admin-t'] });
    expect(await statuses(hub, undefined)).toEqual({ ...agentNo, ...adminNo, healthz: 200 });
    expect(await statuses(hub, 'wrong')).toEqual({ ...agentNo, ...adminNo, healthz: 200 });
    // An agent token is known but not enough for admin routes: 403, not 401.
    expect(await statuses(hub, 'agent-t')).toEqual({ ...agentOk, enqueue: 403, routes: 403, metrics: 403, healthz: 200 });
    expect(await statuses(hub, 'admin-t')).toEqual({ ...agentNo, ...adminOk, healthz: 200 });
  });

  test('with only agent tokens, the agent token is also the admin token', async () => {
    await using hub = await startHub({ tokens: ['s3cret'] });
    expect(await statuses(hub, undefined)).toEqual({ ...agentNo, ...adminNo, healthz: 200 });
    expect(await statuses(hub, 's3cre')).toEqual({ ...agentNo, ...adminNo, healthz: 200 });
    expect(await statuses(hub, 's3cret')).toEqual({ ...agentOk, ...adminOk, healthz: 200 });
  });

  test('metricsOpen leaves /metrics open and nothing else', async () => {
    await using hub = await startHub({ tokens: ['agent-t'], adminTokens: ['admin-t'], metricsOpen: true });
    expect(await statuses(hub, undefined)).toEqual({ ...agentNo, ...adminNo, metrics: 200, healthz: 200 });
  });

  test('an admin token alone guards the admin routes and leaves the agent routes open', async () => {
    await using hub = await startHub({ adminTokens: ['admin-t'] });
    expect(await statuses(hub, undefined)).toEqual({ ...agentOk, ...adminNo, healthz: 200 });
    expect(await statuses(hub, 'admin-t')).toEqual({ ...agentOk, ...adminOk, healthz: 200 });
  });

  test('a hub without tokens is open', async () => {
    await using hub = await startHub();
    expect(await statuses(hub, undefined)).toEqual({ ...agentOk, ...adminOk, healthz: 200 });
  });

  test.each([
    ['an empty agent token', { tokens: [''] }],
    ['an agent token with CR LF', { tokens: ['a\r\nb'] }],
    ['an admin token with a control character', { adminTokens: ['a\u0000b'] }],
    ['an empty admin token', { tokens: ['ok'], adminTokens: [''] }],
  ])('%s is refused with EC_HUB_BAD_OPTION', async (_what, options) => {
    await expect(startHub(options)).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
  });
});
