import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HarnessError } from '../errors.ts';
import type { MachineSampleEvent, ResourceSampleEvent } from '../history/events.ts';
import { machineReader } from './machine.ts';
import { ContainerReader, type SampledContainer } from './container-resources.ts';
import { ProcessTreeReader } from './process-tree.ts';

export interface ResourceSamplerOptions {
  /** Time between samples, ms. Default 1_000. */
  intervalMs?: number;
  /** The run clock: ms since the run started. */
  clock: () => number;
  sink: (event: ResourceSampleEvent | MachineSampleEvent) => void;
  /**
   * Child processes to sample, by component name: a pid (read as its process tree) or a
   * container (read from its cgroup). Each getter is read at every sample, so a child
   * restarted by a redeploy is followed to its new pid or container; undefined (not running
   * right now) skips it for that sample.
   */
  children?: Readonly<Record<string, () => SampledChild | undefined>>;
}

/** What a child component is read as: a process tree by its root pid, or a container. */
export type SampledChild = number | SampledContainer;

export interface ResourceSampler extends AsyncDisposable {
  /** Stops sampling; resolves once a child read under way has finished, so no sample lands after it. */
  stop(): Promise<void>;
}

/** Component name of the harness process itself. */
export const SELF_COMPONENT = 'harness';

/**
 * About 300 samples per component whatever the length: 1 s for runs up to
 * 5 min, longer for soaks (6 s for 30 min), at most 10 s.
 */
export function defaultSampleIntervalMs(durationMs: number): number {
  return Math.min(10_000, Math.max(1_000, Math.round(durationMs / 300 / 1_000) * 1_000));
}

/**
 * Samples RSS, heap, handles, CPU and event-loop lag of this process, RSS,
 * open file descriptors and CPU of named child processes, each summed over
 * the child and everything below it (Linux /proc, see process-tree.ts;
 * elsewhere children are skipped) or, for a container, read from its cgroup
 * (container-resources.ts), and how busy the whole machine is, every
 * intervalMs. One sample costs a
 * process.memoryUsage() call and, per child, a few small /proc reads per
 * process of its tree (and three cgroup files for a container), so it can run
 * for hours; nothing is kept here beyond each child's last CPU total, each
 * sample goes to the sink.
 */
export function startResourceSampler(options: ResourceSamplerOptions): ResourceSampler {
  const intervalMs = options.intervalMs ?? 1_000;
  if (!(Number.isFinite(intervalMs) && intervalMs >= 50)) {
    throw new HarnessError('EC_BAD_SCENARIO', `the resource sample interval must be a number of ms >= 50, got ${intervalMs}`, 'set checks.resourceGrowth.sampleIntervalMs in the scenario to at least 50, e.g. 1000, or leave it out');
  }
  const children = Object.entries(options.children ?? {});
  // 10 ms resolution: lag below that is not what a soak looks for, and a finer timer costs more.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let stopped = false;
  let childRead: Promise<void> | undefined;
  const readMachine = machineReader();
  let lastCpu = { usage: process.cpuUsage(), at: performance.now() };

  const sampleMachine = (): void => {
    const reading = readMachine();
    if (reading) options.sink({ t: options.clock(), type: 'machine.sample', ...reading });
  };

  /** This process's CPU over the interval, in cores (user + system; a worker thread's time counts too). */
  const selfCpuCores = (): number | undefined => {
    const now = { usage: process.cpuUsage(), at: performance.now() };
    const wallUs = (now.at - lastCpu.at) * 1_000;
    const usedUs = now.usage.user - lastCpu.usage.user + (now.usage.system - lastCpu.usage.system);
    lastCpu = now;
    return wallUs > 0 ? Math.round((usedUs / wallUs) * 1_000) / 1_000 : undefined;
  };

  /** This process's main thread's wait for a CPU over the interval (run_delay of /proc/self/schedstat); undefined without /proc. */
  let lastWait: { ns: number; at: number } | undefined;
  const selfCpuWaitShare = (): number | undefined => {
    let ns: number;
    try {
      ns = Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
    } catch {
      return undefined;
    }
    if (!Number.isFinite(ns)) return undefined;
    const now = { ns, at: performance.now() };
    const before = lastWait;
    lastWait = now;
    return before && now.at > before.at ? Math.round((Math.max(0, now.ns - before.ns) / 1e6 / (now.at - before.at)) * 1_000) / 1_000 : undefined;
  };

  const sampleSelf = (first: boolean): void => {
    const memory = process.memoryUsage();
    const cpuCores = selfCpuCores();
    const cpuWaitShare = selfCpuWaitShare();
    // Empty on the first sample (no interval behind it yet): left out rather than reported as 0.
    const loopLagMs = loopDelay.count > 0 ? Math.round(loopDelay.percentile(99) / 1e4) / 100 : undefined;
    loopDelay.reset();
    options.sink({
      t: options.clock(),
      type: 'resource.sample',
      component: SELF_COMPONENT,
      pid: process.pid,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      handles: process.getActiveResourcesInfo().length,
      ...(loopLagMs === undefined ? {} : { loopLagMs }),
      // The first sample has no interval behind it: what came before the sampler is not the run's.
      ...(first || cpuCores === undefined ? {} : { cpuCores }),
      ...(cpuWaitShare === undefined ? {} : { cpuWaitShare }),
    });
  };

  const trees = new ProcessTreeReader();
  const containers = new ContainerReader();
  const pidOf = (child: SampledChild | undefined) => (typeof child === 'object' ? child.pid : child);
  const sampleChildren = async (): Promise<void> => {
    const roots = new Set<number>();
    const seenContainers: SampledContainer[] = [];
    for (const [component, childOf] of children) {
      const child = childOf();
      if (child === undefined) continue;
      const pid = typeof child === 'object' ? child.pid : child;
      const t = options.clock();
      let read;
      if (typeof child === 'object') {
        seenContainers.push(child);
        read = await containers.read(child);
      } else {
        roots.add(child);
        // The whole tree: a --hub-cmd hub is the child of `sh -c`, whose own figures never move.
        read = await trees.read(child);
      }
      // A child that began stopping during the read (a redeploy) gives no sample: its tree may be half gone.
      if (read && !stopped && pidOf(childOf()) === pid) options.sink({ t, type: 'resource.sample', component, pid, ...read });
    }
    trees.retain(roots);
    containers.retain(seenContainers);
  };

  let ticks = 0;
  const tick = (): void => {
    sampleMachine();
    sampleSelf(ticks++ === 0);
    // A slow /proc read (a loaded machine) skips a child sample rather than piling reads up.
    if (children.length > 0 && !childRead) childRead = sampleChildren().finally(() => (childRead = undefined));
  };

  tick();
  const timer = setInterval(tick, intervalMs);
  // Sampling must never be what keeps a finished run's process alive.
  timer.unref();
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    loopDelay.disable();
    await childRead;
  };
  return { stop, [Symbol.asyncDispose]: stop };
}
