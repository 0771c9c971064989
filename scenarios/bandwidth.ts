import { defineScenario } from '../harness/scenario/index.ts';

/** A thin link (2 KB/s each way): slow, but connections hold and every command arrives. */
export default defineScenario({
  name: 'bandwidth',
  description: 'A 2 KB/s link both ways from 20% of the run: connections hold and every command is still delivered',
  defaults: { agents: 10, durationMs: 30_000 },
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'thin-link', atMs: durationMs * 0.2, fault: { kind: 'bandwidth', rateKBps: 2 } }],
  checks: {
    hubHealth: {},
    connectionLoop: {},
    reconnects: { maxPerAgent: 0 },
    connectionDurations: {},
    commandDelivery: {},
  },
});
