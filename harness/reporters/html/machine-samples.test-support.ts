import type { CheckResult } from '../../checks/types.ts';
import type { HistoryEvent, MachineSampleEvent } from '../../history/events.ts';
import { verdictOf, type RunResult } from '../../runner/result.ts';
import type { SaturatedWindow } from './machine.ts';

/**
 * A run's result with the machine samples the sampler takes (machine.sample
 * once a `intervalMs`, and cpuCores on every resource.sample but a process's
 * first), made without running one. The machine idles at about a quarter
 * busy and saturates (all cores busy, 3 runnable tasks a core) during each
 * hub redeploy and each of `busy`, where the harness and the hub use more CPU.
 * Hand-written until the sampler lands; the shapes are history/events.ts's.
 */
export function withMachineSamples(result: RunResult, options: { cores?: number; intervalMs?: number; busy?: { fromMs: number; toMs: number }[] } = {}): RunResult {
  const cores = options.cores ?? 2;
  const intervalMs = options.intervalMs ?? 1_000;
  let seed = 4242;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const busy = [...(options.busy ?? [])];
  for (const e of result.events) {
    if (e.type !== 'hub.redeploy') continue;
    if (e.phase === 'begin') busy.push({ fromMs: e.t, toMs: result.elapsedMs });
    else if (busy.length > 0) busy[busy.length - 1]!.toMs = e.t;
  }
  const isBusy = (t: number) => busy.some((w) => t >= w.fromMs && t <= w.toMs);

  const machine: MachineSampleEvent[] = [];
  for (let t = intervalMs; t <= result.elapsedMs; t += intervalMs) {
    const hot = isBusy(t);
    machine.push({ t, type: 'machine.sample', cores, busyShare: hot ? 0.97 + 0.03 * random() : 0.2 + 0.1 * random(), runQueue: hot ? 3 * cores + Math.round(random()) : Math.round(random() * cores) });
  }
  const seenPids = new Set<number>();
  const events: HistoryEvent[] = result.events.map((e) => {
    if (e.type !== 'resource.sample') return e;
    const first = !seenPids.has(e.pid);
    seenPids.add(e.pid);
    if (first) return e;
    const base = e.component === 'harness' ? 0.3 : 0.1;
    const extra = isBusy(e.t) ? (e.component === 'harness' ? 1.2 : 0.6) : 0;
    return { ...e, cpuCores: Math.round((base + extra + 0.05 * random()) * 1_000) / 1_000 };
  });
  const all = [...events, ...machine].sort((a, b) => a.t - b.t);
  return { ...result, events: all, stats: { ...result.stats, events: all.length } };
}

/**
 * The result with a failed machine-headroom validity check naming `windows`,
 * in the evidence shape the check will write, and the verdict that follows (invalid).
 */
export function withSaturation(result: RunResult, windows: SaturatedWindow[]): RunResult {
  const check: CheckResult = {
    id: 'machine-headroom',
    title: 'The machine had headroom when a timing check failed',
    kind: 'validity',
    status: 'failed',
    summary: `${windows.length} timing failure window(s) while the machine was saturated`,
    evidence: { windows },
  };
  const checks = [...result.checks, check];
  return { ...result, checks, ...verdictOf(checks, false) };
}
