import type { CheckResult } from '../../checks/types.ts';
import type { HistoryEvent, MachineSampleEvent, ResourceSampleEvent } from '../../history/events.ts';
import { MAX_POINTS, round, thinByProcess } from './resources.ts';

/**
 * The Machine charts' data: how busy the whole machine was (from
 * machine.sample) and how much CPU each sampled component used (cpuCores on
 * resource.sample), thinned like the Resources charts, plus the windows the
 * machine-headroom check found saturated. x is in seconds like every chart.
 */
export interface MachineSeries {
  /** Machine-wide readings; absent when the history has none, and `missing` says why. */
  load?: MachineLoad;
  /** Why there is no `load`. */
  missing?: string;
  /** Components that reported their CPU use, in order of their first sample; empty when none did. */
  cpu: ComponentCpu[];
  /** Windows a failed machine-headroom check names in its evidence: the run's timing cannot be trusted there. */
  saturated: SaturatedWindow[];
}

export interface MachineLoad {
  /** CPUs the kernel schedules on (the most any sample saw). */
  cores: number;
  /** Point times, s. */
  t: number[];
  /** Busy share of all cores, % (0..100). */
  busyPct: number[];
  /** Runnable tasks per core: above 1, work waits for a CPU. */
  runQueuePerCore: number[];
  /** Samples merged into each point (1: not thinned); a merged point keeps the busiest reading. */
  samplesPerPoint: number;
  /** Samples in the history, before thinning. */
  samples: number;
  /** Median time between samples, ms. */
  intervalMs: number;
}

export interface ComponentCpu {
  name: string;
  /** Processes seen (pids): more than one means it was restarted, and the line breaks there. */
  incarnations: number;
  t: number[];
  /** CPU used over each interval, in cores; null where the component has no reading (a restart, a first sample). */
  cores: (number | null)[];
  samplesPerPoint: number;
}

export interface SaturatedWindow {
  fromMs: number;
  toMs: number;
  /** The timing checks that failed inside this window. */
  checks: string[];
}

export const NO_MACHINE_SAMPLES =
  'the run recorded no machine samples: they are read from Linux /proc/stat, so a run on a machine without /proc has none, and so has a result written by an edge-chaos from before the machine sampler';

export function machineSeries(events: readonly HistoryEvent[], checks: readonly CheckResult[], endMs: number): MachineSeries {
  const machine: MachineSampleEvent[] = [];
  const byComponent = new Map<string, ResourceSampleEvent[]>();
  for (const e of events) {
    if (e.type === 'machine.sample') machine.push(e);
    else if (e.type === 'resource.sample' && e.cpuCores !== undefined) {
      let list = byComponent.get(e.component);
      if (!list) byComponent.set(e.component, (list = []));
      list.push(e);
    }
  }
  // Every sample of a component that reported CPU at least once, so its restarts still break the line.
  for (const e of events) if (e.type === 'resource.sample' && e.cpuCores === undefined) byComponent.get(e.component)?.push(e);

  const cpu = [...byComponent].map(([name, samples]): ComponentCpu => {
    const thinned = thinByProcess(samples.sort((a, b) => a.t - b.t), [{ field: 'cpuCores', merge: 'max' }]);
    return { name, incarnations: thinned.incarnations, t: thinned.points.map((p) => p.t), cores: thinned.points.map((p) => (p.values?.cpuCores == null ? null : round(p.values.cpuCores, 3))), samplesPerPoint: thinned.every };
  });
  const saturated = saturatedWindows(checks, endMs);
  if (machine.length === 0) return { missing: NO_MACHINE_SAMPLES, cpu, saturated };
  return { load: machineLoad(machine.sort((a, b) => a.t - b.t)), cpu, saturated };
}

/**
 * At most MAX_POINTS points, each the busiest of the samples it stands for: a
 * two-second saturation is what a reader looks for, and a mean over a long
 * run's chunk would flatten it away.
 */
function machineLoad(samples: readonly MachineSampleEvent[]): MachineLoad {
  const every = Math.max(1, Math.ceil(samples.length / MAX_POINTS));
  const out: MachineLoad = { cores: Math.max(...samples.map((s) => s.cores)), t: [], busyPct: [], runQueuePerCore: [], samplesPerPoint: every, samples: samples.length, intervalMs: 0 };
  for (let i = 0; i < samples.length; i += every) {
    const chunk = samples.slice(i, i + every);
    out.t.push(round(chunk.reduce((sum, s) => sum + s.t, 0) / chunk.length / 1_000, 3));
    out.busyPct.push(round(Math.max(...chunk.map((s) => s.busyShare)) * 100, 1));
    out.runQueuePerCore.push(round(Math.max(...chunk.map((s) => s.runQueue / Math.max(1, s.cores))), 2));
  }
  const gaps = samples.slice(1).map((s, i) => s.t - samples[i]!.t).sort((a, b) => a - b);
  out.intervalMs = Math.round(gaps[gaps.length >> 1] ?? 0);
  return out;
}

/** The machine-headroom check's windows when it failed; its evidence is typed unknown (and may come from an older summary.json), so only well-formed windows are kept. */
function saturatedWindows(checks: readonly CheckResult[], endMs: number): SaturatedWindow[] {
  const check = checks.find((c) => c.id === 'machine-headroom');
  if (check?.status !== 'failed') return [];
  const windows = (check.evidence as { windows?: unknown } | undefined)?.windows;
  if (!Array.isArray(windows)) return [];
  return windows.flatMap((w: Partial<SaturatedWindow> | null): SaturatedWindow[] => {
    if (typeof w?.fromMs !== 'number' || typeof w.toMs !== 'number' || !(w.toMs >= w.fromMs)) return [];
    const checksIn = Array.isArray(w.checks) ? w.checks.filter((c): c is string => typeof c === 'string') : [];
    return [{ fromMs: Math.max(0, w.fromMs), toMs: Math.min(endMs, w.toMs), checks: checksIn }];
  });
}
