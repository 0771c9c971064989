import { describe, expect, test } from 'vitest';
import type { ResourceSampleEvent } from '../history/events.ts';
import { checkResourceGrowth, type ComponentGrowth, type ResourceGrowthEvidence, type ResourceGrowthOptions } from './resource-growth.ts';
import type { CheckOutcome } from './types.ts';

const MIB = 1024 * 1024;
const BOUNDS: ResourceGrowthOptions = { maxHeapGrowthBytesPerMin: 8 * MIB, maxRssGrowthBytesPerMin: 16 * MIB, maxHandleGrowthPerMin: 30 };

/** Deterministic noise in [-1, 1): the same series every run, no Math.random. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43_758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** One sample a second from fromMs to toMs for `component`, each field a function of the time (ms) and sample index. */
function series(
  shape: { heap?: (t: number, i: number) => number; rss?: (t: number, i: number) => number; handles?: (t: number, i: number) => number },
  opts: { component?: string; pid?: number; fromMs?: number; toMs?: number; stepMs?: number } = {},
): ResourceSampleEvent[] {
  const { component = 'harness', pid = 100, fromMs = 0, toMs = 120_000, stepMs = 1_000 } = opts;
  const out: ResourceSampleEvent[] = [];
  for (let t = fromMs, i = 0; t <= toMs; t += stepMs, i++) {
    out.push({
      t,
      type: 'resource.sample',
      component,
      pid,
      rssBytes: shape.rss?.(t, i) ?? 100 * MIB,
      ...(shape.heap ? { heapUsedBytes: shape.heap(t, i) } : {}),
      ...(shape.handles ? { handles: shape.handles(t, i) } : {}),
    });
  }
  return out;
}

function run(events: ResourceSampleEvent[], options: ResourceGrowthOptions = BOUNDS): CheckOutcome<ResourceGrowthEvidence> {
  return checkResourceGrowth({ events: [...events].sort((a, b) => a.t - b.t), agents: [], endMs: events.at(-1)?.t ?? 0 }, options);
}

function components(result: CheckOutcome<ResourceGrowthEvidence>): ComponentGrowth[] {
  if (result.status === 'skipped') throw new Error(`skipped: ${result.reason}`);
  return result.evidence!.components;
}

function metric(result: CheckOutcome<ResourceGrowthEvidence>, component: string, name: string) {
  return components(result).find((c) => c.component === component)!.metrics.find((m) => m.metric === name)!;
}

describe('checkResourceGrowth', () => {
  test('a flat series with noise passes, its slope near zero', () => {
    const result = run(series({ heap: (_t, i) => 30 * MIB + 3 * MIB * noise(i), rss: (_t, i) => 120 * MIB + 5 * MIB * noise(i + 1_000), handles: (_t, i) => 150 + Math.round(10 * noise(i + 2_000)) }));
    expect(result.status).toBe('passed');
    expect(Math.abs(metric(result, 'harness', 'heapUsedBytes').slopePerMin!)).toBeLessThan(1 * MIB);
    expect(metric(result, 'harness', 'heapUsedBytes').r2).toBeLessThan(0.1);
    expect(result.summary).toContain('harness: heap used');
  });

  test('a GC sawtooth with no trend passes, though each tooth climbs faster than the bound', () => {
    // 20 MiB of garbage over 30 s (40 MiB/min), then a major GC drops it: 4 teeth.
    const result = run(series({ heap: (t) => 25 * MIB + ((t % 30_000) / 30_000) * 20 * MIB }));
    expect(result.status).toBe('passed');
    const heap = metric(result, 'harness', 'heapUsedBytes');
    expect(heap.slopePerMin!).toBeLessThan(8 * MIB);
    expect(heap.verdict).toBe('ok');
    expect(result.summary).not.toContain('step');
  });

  test('a steady leak under a GC sawtooth fails, naming the component, the metric and the slope', () => {
    // 24 MiB/min retained, plus 10 MiB teeth every 25 s and noise.
    const leak = (t: number, i: number) => 30 * MIB + (t / 60_000) * 24 * MIB + ((t % 25_000) / 25_000) * 10 * MIB + MIB * noise(i);
    const result = run(series({ heap: leak }));
    expect(result.status).toBe('failed');
    expect(result.summary).toMatch(/^harness heap used grows 2\d\.\d\d MiB\/min \(R² 0\.\d\d, line vs step error 0\.\d\d; bound 8\.00 MiB\/min\)/);
    const heap = metric(result, 'harness', 'heapUsedBytes');
    expect(heap.verdict).toBe('leak');
    expect(heap.slopePerMin! / MIB).toBeGreaterThan(22);
    expect(heap.slopePerMin! / MIB).toBeLessThan(26);
    expect(heap.r2!).toBeGreaterThan(0.8);
    expect(heap.lineVsStepError!).toBeLessThan(1);
    expect(heap.last!).toBeGreaterThan(heap.first!);
    expect(heap.samples).toBe(97); // 121 samples, the first 20% (0..24 s) skipped as warm-up
  });

  test('a single spike does not fail', () => {
    const result = run(series({ heap: (t, i) => 30 * MIB + MIB * noise(i) + (t === 110_000 ? 200 * MIB : 0) }));
    expect(result.status).toBe('passed');
    expect(metric(result, 'harness', 'heapUsedBytes').verdict).toBe('ok');
  });

  test('a one-time step (a pool that filled once) does not fail, though its slope is over the bound', () => {
    const result = run(series({ handles: (t, i) => (t < 70_000 ? 115 : 170) + Math.round(2 * noise(i)) }));
    expect(result.status).toBe('passed');
    const handles = metric(result, 'harness', 'handles');
    expect(handles.slopePerMin!).toBeGreaterThan(30);
    expect(handles.lineVsStepError!).toBeGreaterThan(1);
    expect(result.summary).toContain('(a one-time step)');
  });

  test('growth during the warm-up alone passes: the first 20% of the run is not judged', () => {
    const result = run(series({ heap: (t, i) => Math.min(t, 20_000) * 2_000 + MIB * noise(i) }));
    expect(result.status).toBe('passed');
    expect(components(result)[0]!.warmupSamplesSkipped).toBe(24);
  });

  test('a leak in a process that restarts is still found: each incarnation gets its own baseline, one shared slope', () => {
    // Restarted every 40 s; each incarnation starts at 60 MiB RSS and leaks 30 MiB/min.
    const events = [0, 1, 2].flatMap((k) =>
      series({ rss: (t, i) => 60 * MIB + ((t - k * 40_000) / 60_000) * 30 * MIB + MIB * noise(i + k * 100) }, { component: 'hub', pid: 500 + k, fromMs: k * 40_000, toMs: k * 40_000 + 38_000 }),
    );
    const result = run([...events, ...series({ rss: (_t, i) => 120 * MIB + MIB * noise(i) })]);
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('hub RSS grows');
    expect(result.summary).toContain('across 3 incarnations');
    expect(result.summary).not.toContain('harness');
    const hub = components(result).find((c) => c.component === 'hub')!;
    expect(hub.pids).toEqual([500, 501, 502]);
    expect(metric(result, 'hub', 'rssBytes').slopePerMin! / MIB).toBeCloseTo(30, 0);
    // One fitted line per incarnation, from its first judged sample (after its own warm-up) to its last.
    const lines = metric(result, 'hub', 'rssBytes').fittedLines!;
    expect(lines.map((l) => [l.pid, l.fromMs, l.toMs])).toEqual([[500, 8_000, 38_000], [501, 48_000, 78_000], [502, 88_000, 118_000]]);
    for (const l of lines) expect((l.toValue - l.fromValue) / MIB).toBeCloseTo(15, 0); // 30 s at 30 MiB/min
  });

  test('a healthy process that restarts passes: the drop at each restart is not a trend, nor is the climb back', () => {
    const events = [0, 1, 2].flatMap((k) => series({ rss: (_t, i) => (k === 1 ? 80 : 60) * MIB + MIB * noise(i + k * 100) }, { component: 'hub', pid: 500 + k, fromMs: k * 40_000, toMs: k * 40_000 + 38_000 }));
    expect(run(events).status).toBe('passed');
  });

  test('a hub measured as a process tree is named by the processes summed: the hub itself, then the shell it runs under', () => {
    // Each incarnation: sh -c (root, flat) and the hub below it leaking 30 MiB/min, as a --hub-cmd hub is sampled.
    const events = [0, 1].flatMap((k) =>
      series({ rss: (t, i) => 60 * MIB + ((t - k * 60_000) / 60_000) * 30 * MIB + MIB * noise(i + k * 100) }, { component: 'hub', pid: 700 + 10 * k, fromMs: k * 60_000, toMs: k * 60_000 + 58_000 }).map((e) => ({
        ...e,
        processes: [
          { pid: 700 + 10 * k, command: '/bin/sh -c node /work/hubs/leak-hub.mjs --port 4000' },
          { pid: 701 + 10 * k, command: '/usr/bin/node /work/hubs/leak-hub.mjs --port 4000' },
        ],
      })),
    );
    const result = run([...events, ...series({ rss: (_t, i) => 120 * MIB + MIB * noise(i) })]);
    expect(result.status).toBe('failed');
    // The latest incarnation's pids; the shell named by what it is, the hub by its command with paths cut to file names.
    expect(result.summary).toMatch(/^hub \(node leak-hub\.mjs --port 4000, pid 711, under sh -c, pid 710\) RSS grows 29\.\d\d MiB\/min .* across 2 incarnations$/);
    const hub = components(result).find((c) => c.component === 'hub')!;
    expect(hub.incarnations).toEqual([
      { pid: 700, processes: [{ pid: 700, command: '/bin/sh -c node /work/hubs/leak-hub.mjs --port 4000' }, { pid: 701, command: '/usr/bin/node /work/hubs/leak-hub.mjs --port 4000' }] },
      { pid: 710, processes: [{ pid: 710, command: '/bin/sh -c node /work/hubs/leak-hub.mjs --port 4000' }, { pid: 711, command: '/usr/bin/node /work/hubs/leak-hub.mjs --port 4000' }] },
    ]);
    expect(components(result).find((c) => c.component === 'harness')!.incarnations).toBeUndefined();
  });

  test('a passing hub tree is named too, and a lone process by its command', () => {
    const flat = series({ rss: (_t, i) => 60 * MIB + MIB * noise(i) }, { component: 'hub', pid: 900 }).map((e) => ({ ...e, processes: [{ pid: 900, command: '/usr/bin/python3 /srv/hub.py' }] }));
    const result = run(flat);
    expect(result.status).toBe('passed');
    expect(result.summary).toMatch(/^hub \(python3 hub\.py, pid 900\): RSS [+-]\d+\.\d\d MiB\/min over /);
  });

  test('a container hub is named by its container, then its processes, the init that only waits last', () => {
    // Two containers (a redeploy), each read from its cgroup: docker-init (the pid the engine reports) and the hub below it.
    const events = [0, 1].flatMap((k) =>
      series({ rss: (t, i) => 60 * MIB + ((t - k * 60_000) / 60_000) * 30 * MIB + MIB * noise(i + k * 100) }, { component: 'hub', pid: 1200 + 10 * k, fromMs: k * 60_000, toMs: k * 60_000 + 58_000 }).map((e) => ({
        ...e,
        container: { id: `${k}8b0e068332d6428cf1a92dba007c7fd7be60b751f3535b14ff0ccab820bcce0`, name: `hub-${k}`, memory: 'cgroup' as const },
        processes: [
          { pid: 1200 + 10 * k, command: '/sbin/docker-init -- node --import tsx server/main.ts --port 4000' },
          { pid: 1207 + 10 * k, command: 'node --import tsx server/main.ts --port 4000' },
        ],
      })),
    );
    const result = run([...events, ...series({ rss: (_t, i) => 120 * MIB + MIB * noise(i) })]);
    expect(result.status).toBe('failed');
    expect(result.summary).toMatch(/^hub \(container hub-1 18b0e068332d, cgroup memory: node --import tsx main\.ts --port 4000, pid 1217; docker-init, pid 1210\) RSS grows 29\.\d\d MiB\/min .* across 2 incarnations$/);
    expect(components(result).find((c) => c.component === 'hub')!.incarnations?.map((i) => [i.pid, i.container?.name])).toEqual([[1200, 'hub-0'], [1210, 'hub-1']]);

    // A container with one process, whose memory had to be summed over its processes: said so.
    const lone = series({ rss: (_t, i) => 60 * MIB + MIB * noise(i) }, { component: 'hub', pid: 1300 }).map((e) => ({ ...e, container: { id: 'abcdef0123456789', name: 'py-hub', memory: 'processes' as const }, processes: [{ pid: 1300, command: 'python3 /srv/hub.py' }] }));
    expect(run(lone).summary).toMatch(/^hub \(container py-hub abcdef012345, memory of its processes: python3 hub\.py, pid 1300\): RSS [+-]\d+\.\d\d MiB\/min over /);
  });

  test("the harness's own helpers (fleet shards, proxy servers) are reported, not judged: their growth is not the hub's", () => {
    const growing = (component: string, pid: number) => series({ rss: (t, i) => 60 * MIB + (t / 60_000) * 40 * MIB + MIB * noise(i + pid) }, { component, pid });
    const result = run([...growing('shard-1', 801), ...growing('proxy', 802), ...series({ rss: (_t, i) => 120 * MIB + MIB * noise(i) })]);
    expect(result.status).toBe('passed');
    expect(metric(result, 'shard-1', 'rssBytes')).toMatchObject({ verdict: 'not judged' });
    expect(metric(result, 'proxy', 'rssBytes').slopePerMin! / MIB).toBeCloseTo(40, 0);
    expect(result.summary).toMatch(/^harness: RSS [+-]\d+\.\d\d MiB\/min over [^;]*$/); // only what can hold the hub is summed up
  });

  test('a metric without a bound is reported, not judged', () => {
    const result = run(series({ heap: (t) => 30 * MIB + (t / 60_000) * 50 * MIB }), { maxRssGrowthBytesPerMin: 16 * MIB });
    expect(result.status).toBe('passed');
    expect(metric(result, 'harness', 'heapUsedBytes')).toMatchObject({ verdict: 'not judged' });
    expect(metric(result, 'harness', 'heapUsedBytes').slopePerMin! / MIB).toBeCloseTo(50, 0);
  });

  test('no samples, or too few after the warm-up, is skipped with the reason', () => {
    const none = run([]);
    expect(none.status).toBe('skipped');
    expect(none.summary).toContain('no resource samples');
    const few = run(series({ heap: () => 30 * MIB }, { toMs: 6_000 }));
    expect(few.status).toBe('skipped');
    expect(few.summary).toContain('too few samples');
  });
});
