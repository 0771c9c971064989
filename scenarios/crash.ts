import { defineScenario } from '../harness/scenario/index.ts';
import redeploy from './redeploy.ts';

/**
 * The redeploy scenario with the hub killed (SIGKILL) instead of stopped: no
 * close frames, so agents find out from TCP or their liveness check (pings
 * every 2 s here). Everything else, and every check, is the same.
 */
export default defineScenario({
  ...redeploy,
  name: 'crash',
  description: 'Two hub crashes (SIGKILL, no close frames, 3 s down) under steady commands, one while 30% of agents are offline with commands queued: agents recover, polling used while down, no command lost',
  hub: { ...redeploy.hub, pingIntervalMs: 2_000 },
  // Pings every 2 s leave connections between and after the crashes long enough to judge the hub's liveness.
  checks: (params) => ({ ...(typeof redeploy.checks === 'function' ? redeploy.checks(params) : redeploy.checks), liveness: { pingIntervalMs: params.pingIntervalMs } }),
  redeploys: (params) => {
    const steps = typeof redeploy.redeploys === 'function' ? redeploy.redeploys(params) : (redeploy.redeploys ?? []);
    return steps.map((step, i) => ({ ...step, name: `crash-${i + 1}`, kind: 'crash' as const }));
  },
});
