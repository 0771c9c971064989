import { describe, expect, test } from 'vitest';
import { containerExists, dockerGate } from './test-support.ts';
import { startToxiproxyContainer } from './toxiproxy-container.ts';

const gate = await dockerGate();

describe.skipIf(gate.skip)(`toxiproxy container${gate.suffix}`, () => {
  test('the default image serves the Toxiproxy API on 127.0.0.1 and is removed on stop', async () => {
    const toxiproxy = await startToxiproxyContainer();
    try {
      expect((await fetch(`${toxiproxy.url}/version`)).ok).toBe(true);
      expect(await (await fetch(`${toxiproxy.url}/proxies`)).json()).toEqual({});
    } finally {
      await toxiproxy.stop();
    }
    expect(containerExists(toxiproxy.id)).toBe(false);
  });
});
