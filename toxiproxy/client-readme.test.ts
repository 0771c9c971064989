import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bandwidth, ICreateToxicBody } from 'toxiproxy-node-client';
import { openTarget, uniqueName, type Target } from './conformance-support.ts';

/**
 * toxiproxy-node-client's README, call for call, against our server (or a
 * real Toxiproxy with TOXIPROXY_URL): what a user copies from there works.
 * The upstream is a name no one resolves here; Toxiproxy only dials it when
 * a client connects, and this test never does.
 */
describe("toxiproxy-node-client's README examples", () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget();
  });
  afterAll(() => target?.stop());

  test('createProxy({ listen: "localhost:0", name, upstream: "redis:6379" }), then addToxic bandwidth rate 1000', async () => {
    const proxy = await target.client.createProxy({ listen: 'localhost:0', name: uniqueName('redis'), upstream: 'redis:6379' });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.upstream).toBe('redis:6379');
    const toxicBody = { attributes: { rate: 1000 } as Bandwidth, type: 'bandwidth' } as ICreateToxicBody<Bandwidth>;
    const toxic = await proxy.addToxic(toxicBody);
    expect(toxic).toMatchObject({ type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 1000 } });
    expect(await proxy.getToxic<Bandwidth>('bandwidth_downstream')).toMatchObject({ name: 'bandwidth_downstream', attributes: { rate: 1000 } });
    await proxy.remove();
  });
});
