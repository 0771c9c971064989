import { CHECKERS } from '../../checks/index.ts';
import { checkEventLoopLag } from '../../checks/event-loop-lag.ts';
import { checkResourceGrowth } from '../../checks/resource-growth.ts';
import type { HistoryEvent, ResourceSampleEvent } from '../../history/events.ts';
import type { RunResult } from '../../runner/result.ts';

const MIB = 1024 * 1024;

/**
 * A run's result with the resource samples a soak takes, made without
 * running one: the harness process (every field; heap and Buffers leak
 * steadily, RSS saw-tooths) and a child-process hub (RSS and descriptors
 * only) that gets a new pid at each of the run's redeploys and has no sample
 * while it is down. The checks' evidence comes from the real resource-growth
 * and event-loop-lag checkers over those samples, so the shape is theirs.
 */
export function withResourceSamples(result: RunResult, options: { intervalMs?: number } = {}): RunResult {
  const intervalMs = options.intervalMs ?? 1_000;
  let seed = 777;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const down: { from: number; to: number }[] = [];
  for (const e of result.events) {
    if (e.type !== 'hub.redeploy') continue;
    if (e.phase === 'begin') down.push({ from: e.t, to: result.elapsedMs });
    else if (down.length > 0) down[down.length - 1]!.to = e.t;
  }
  const samples: ResourceSampleEvent[] = [];
  let hubPid = 40_001;
  let wasDown = false;
  for (let t = 0; t <= result.elapsedMs; t += intervalMs) {
    const min = t / 60_000;
    samples.push({
      t,
      type: 'resource.sample',
      component: 'harness',
      pid: 4_000,
      rssBytes: Math.round((120 + 20 * min + 6 * ((t / 7_000) % 1) + random()) * MIB),
      heapUsedBytes: Math.round((30 + 25 * min + 4 * random()) * MIB),
      externalBytes: Math.round((4 + 15 * min + 0.2 * random()) * MIB),
      handles: 40 + Math.round(3 * random()),
      ...(t === 0 ? {} : { loopLagMs: Math.round((10 + 4 * random() + (Math.abs(t - result.elapsedMs / 2) < intervalMs ? 140 : 0)) * 100) / 100 }),
    });
    const isDown = down.some((d) => t >= d.from && t <= d.to);
    if (wasDown && !isDown) hubPid++;
    wasDown = isDown;
    // A child's read lands a few ms after the harness's, as the sampler's do.
    if (!isDown && t + 3 <= result.elapsedMs) samples.push({ t: t + 3, type: 'resource.sample', component: 'hub', pid: hubPid, rssBytes: Math.round((60 + 2 * random()) * MIB), handles: 25 + Math.round(2 * random()) });
  }
  const events: HistoryEvent[] = [...result.events, ...samples].sort((a, b) => a.t - b.t);
  const input = { events, agents: result.agentIds, endMs: result.elapsedMs };
  const checks = [
    ...result.checks,
    // Named by their registry entries, as evaluateChecks names them in a real run.
    { id: CHECKERS.resourceGrowth.id, ...checkResourceGrowth(input, { maxHeapGrowthBytesPerMin: 16 * MIB, maxExternalGrowthBytesPerMin: 8 * MIB, maxRssGrowthBytesPerMin: 24 * MIB, maxHandleGrowthPerMin: 60 }) },
    // evaluateChecks marks it so in a real run: the harness's own lag says whether the run can judge.
    { id: CHECKERS.eventLoopLag.id, ...checkEventLoopLag(input, { maxMs: 100 }), kind: 'validity' as const },
  ];
  return { ...result, events, checks, stats: { ...result.stats, events: events.length } };
}
