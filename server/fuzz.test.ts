import { describe, expect, test } from 'vitest';
import { fuzzHub } from './fuzz.ts';
import { startHub } from './start.ts';

describe('hub fuzzing (seeded)', () => {
  test('thousands of malformed requests and frames: no 5xx, no hang, and after every batch the hub answers /healthz and serves an agent', async () => {
    // A short request timeout, so cases whose Content-Length lies are settled within the case timeout.
    await using hub = await startHub({ requestTimeoutMs: 1_000 });
    const tally = await fuzzHub({ hubUrl: hub.url, port: hub.port, seed: 'npm-test', cases: 6_000 });
    expect(tally.cases).toBe(6_000);
    expect(tally.serverErrors).toEqual([]);
    expect(tally.hangs).toEqual([]);
    expect(tally.unhealthy).toEqual([]);
  }, 60_000);
});
