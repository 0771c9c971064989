import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { startFaultProxy } from './proxy.ts';
import { AGENTS_PER_PROXY, proxyIndexFor, proxyLayout } from './proxy-layout.ts';

describe('proxy layout', () => {
  test('one proxy per 4,000 agents of a group, at least one, numbered over every group in order', () => {
    const layout = proxyLayout([
      { name: 'a', agents: AGENTS_PER_PROXY + 1 },
      { name: 'b', agents: 1 },
      { name: 'c', agents: 2 * AGENTS_PER_PROXY },
    ]);
    expect([...layout.values()].flat()).toEqual([
      { group: 'a', name: 'edge-chaos-a-1', seq: 0 },
      { group: 'a', name: 'edge-chaos-a-2', seq: 1 },
      { group: 'b', name: 'edge-chaos-b', seq: 2 },
      { group: 'c', name: 'edge-chaos-c-1', seq: 3 },
      { group: 'c', name: 'edge-chaos-c-2', seq: 4 },
    ]);
  });

  test('agents go to a group\'s proxies in contiguous runs; the last proxy takes the remainder', () => {
    // 4,001 agents on 2 proxies: 2,001 per proxy.
    expect([0, 2_000, 2_001, 4_000].map((i) => proxyIndexFor(4_001, 2, i))).toEqual([0, 0, 1, 1]);
    expect(proxyIndexFor(1, 1, 0)).toBe(0);
  });
});

/**
 * `count` consecutive ports free now, below Linux's ephemeral range (32768+),
 * so no listener on port 0 (the Toxiproxy API, the hub) can take one between
 * this check and the proxies binding them.
 */
async function freeRun(count: number): Promise<number> {
  const bindable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createTcpServer();
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
    });
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 12_000);
    let ok = true;
    for (let k = 0; k < count && ok; k++) ok = await bindable(first + k);
    if (ok) return first;
  }
}

describe('exposed proxies (the kubernetes fleet runner\'s)', () => {
  test('listen on firstPort + seq, are dialled at agentHost with those ports, and carry traffic to the hub', async () => {
    const hub = createServer((_, res) => res.end('hub'));
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const firstPort = await freeRun(3);
    const groups = [
      { name: 'cut', agents: AGENTS_PER_PROXY + 1 },
      { name: 'rest', agents: 3 },
    ];
    const proxy = await startFaultProxy({
      choice: { kind: 'embedded' },
      hubUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`,
      groups,
      exposed: { host: '127.0.0.1', firstPort, agentHost: '127.0.0.1' },
    });
    try {
      expect(proxy.proxiesOf('cut').map((p) => p.listen)).toEqual([`127.0.0.1:${firstPort}`, `127.0.0.1:${firstPort + 1}`]);
      expect(proxy.proxiesOf('rest').map((p) => p.listen)).toEqual([`127.0.0.1:${firstPort + 2}`]);
      // The URL each agent dials is the one the pure layout predicts (what --dry-run prints).
      const layout = proxyLayout(groups);
      for (const [group, size] of [['cut', AGENTS_PER_PROXY + 1], ['rest', 3]] as const) {
        for (const i of [0, size - 1]) {
          const slot = layout.get(group)![proxyIndexFor(size, layout.get(group)!.length, i)]!;
          expect(proxy.urlFor(group, i)).toBe(`http://127.0.0.1:${firstPort + slot.seq}`);
        }
      }
      expect(await (await fetch(proxy.urlFor('rest', 0))).text()).toBe('hub');
    } finally {
      await proxy.stop();
      await new Promise((resolve) => hub.close(resolve));
    }
  });
});
