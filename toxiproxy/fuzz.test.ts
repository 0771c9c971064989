import { expect, it } from 'vitest';
import { runFuzz } from './fuzz/run.ts';

/**
 * A short run of the seeded API fuzzer (`npm run fuzz:toxiproxy` runs long
 * ones): malformed and edge-case calls at a real embedded server, which must
 * keep answering and carrying data, with no 5xx for the client's mistakes.
 */
it('survives 3,000 generated API calls with no crash and no 5xx', async () => {
  const report = await runFuzz({ cases: 3_000, seed: 20_250_610 });
  expect(report.findings).toEqual([]);
  expect({ crashes: report.crashes, serverErrors: report.serverErrors }).toEqual({ crashes: 0, serverErrors: 0 });
  expect(report.cases).toBe(3_000);
}, 60_000);
