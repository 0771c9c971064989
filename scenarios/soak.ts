import { defineScenario, type FaultStep, type RedeployStep } from '../harness/scenario/index.ts';

const MIB = 1024 * 1024;

/**
 * The disruptions take turns, one per slot: a latency fault on the 'faulty'
 * group, a short partition of it, a graceful redeploy of the hub, and again.
 * One at a time, with most of a slot to recover, so each recovery is measured
 * on its own (a partition right after a latency fault would be blamed on
 * it). A slot is a sixth of the run, 15 s to 2 min: the default 2 min soak
 * sees each twice, a 30 min soak 5 times, a 1 min soak each once.
 */
function timeline(durationMs: number): { faults: FaultStep[]; redeploys: RedeployStep[] } {
  const slotMs = Math.min(120_000, Math.max(15_000, durationMs / 6));
  const faults: FaultStep[] = [];
  const redeploys: RedeployStep[] = [];
  for (let slot = 0; (slot + 1) * slotMs <= durationMs + 1; slot++) {
    const atMs = slot * slotMs + slotMs * 0.2;
    const round = Math.floor(slot / 3) + 1;
    if (slot % 3 === 0) faults.push({ name: `latency-${round}`, atMs, durationMs: slotMs * 0.4, group: 'faulty', fault: { kind: 'latency', latencyMs: 200, jitterMs: 50 } });
    else if (slot % 3 === 1) faults.push({ name: `partition-${round}`, atMs, durationMs: Math.min(5_000, slotMs * 0.2), group: 'faulty', fault: { kind: 'partition' } });
    else redeploys.push({ name: `deploy-${round}`, atMs, kind: 'graceful', downMs: 1_000 });
  }
  return { faults, redeploys };
}

/**
 * Growth bounds for a run of this length, for 20 agents. Up to 2 min they
 * are what was measured to separate a sound hub from slow-leak: a healthy
 * harness grows only with the run's own history (KBs a minute), but its heap
 * saw-tooths by ~10 MiB with GC, so over a minute a slope can read up to
 * ~11 MiB/min (RSS ~14, external ~0.1; handles step once when poll
 * connections are pooled, which the check tells from a line); slow-leak
 * reads heap ~35, RSS ~55, external ~17 MiB/min. A longer run averages over
 * more GC cycles, so the bounds tighten with it, down to floors that a
 * healthy 30 min soak is far under (heap +0.1, RSS +0.2 MiB/min, handles 0):
 * a 30 min soak fails on a leak of 2 MiB/min, about 120 MiB an hour.
 */
function growthBounds(durationMs: number) {
  const scale = Math.min(1, 120_000 / durationMs);
  return {
    maxHeapGrowthBytesPerMin: Math.max(2 * MIB, 16 * MIB * scale),
    maxRssGrowthBytesPerMin: Math.max(4 * MIB, 24 * MIB * scale),
    maxExternalGrowthBytesPerMin: Math.max(1 * MIB, 8 * MIB * scale),
    maxHandleGrowthPerMin: Math.max(5, 60 * scale),
  };
}

/**
 * A long steady run under repeating disruption, to catch what only time
 * shows: slow leaks. The whole process is sampled ('harness': the fleet, the
 * proxy and, by default, the hub), plus the hub's own process tree when it
 * runs as one (component 'hub': --hub-runtime child-process, or --hub-cmd,
 * whose `sh -c` is summed with everything it started, so the user's hub
 * behind the shell is what is measured and named).
 *
 * Redeploys restart the hub, and a restart frees a hub's memory, which could
 * hide a leak. Detection survives them deliberately: an in-process hub lives
 * in the harness process, whose samples span every redeploy, and a leak in
 * module-scoped state outlives a new hub in the same process (slow-leak's
 * does, as any leaked global would). A hub in its own process starts fresh
 * at each redeploy; the check then fits each incarnation (pid) with its own
 * baseline and one shared slope, so a leak that every incarnation repeats
 * still shows. Redeploys are 3 slots apart, so each incarnation has enough
 * samples for its own trend.
 *
 * Bounds: see growthBounds.
 */
export default defineScenario({
  name: 'soak',
  description: 'A steady fleet with steady commands under repeating latency, partition and graceful redeploys; fails when memory or handles grow steadily (a slow leak)',
  // 1 min already tells slow-leak from a sound hub in-process; 2 min also does with
  // --hub-runtime child-process, whose incarnations between redeploys are shorter.
  defaults: { agents: 20, durationMs: 120_000 },
  hub: { pingIntervalMs: 2_000 },
  agent: { backoff: { maxMs: 5_000 }, pollIntervalMs: 1_000 },
  traffic: { commandIntervalMs: 500 },
  groups: [{ name: 'faulty', share: 0.25 }],
  faults: ({ durationMs }) => timeline(durationMs).faults,
  redeploys: ({ durationMs }) => timeline(durationMs).redeploys,
  checks: ({ durationMs, pingIntervalMs }) => ({
    hubHealth: {},
    resourceGrowth: growthBounds(durationMs),
    connectionLoop: {},
    recovery: { percent: 100, withinMs: 10_000 },
    commandDelivery: {},
    // The hub keeps the interval it was told (or the one --hub-ping-interval says it keeps).
    liveness: { pingIntervalMs },
  }),
});
