import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import type { MachineSampleEvent, ResourceSampleEvent } from '../history/events.ts';
import { HarnessError } from '../errors.ts';
import { defaultSampleIntervalMs, startResourceSampler } from './resources.ts';

const hasProc = existsSync('/proc/self/status');

/** Waits until `count()` reaches `n` (a loaded machine delays timers; a fixed sleep would flake). */
async function until(count: () => number, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (count() < n && performance.now() < deadline) await sleep(20);
}

test('samples this process every interval: RSS, heap, external, handles, and loop lag once an interval has passed', async () => {
  const events: ResourceSampleEvent[] = [];
  const t0 = performance.now();
  const machine: MachineSampleEvent[] = [];
  const sampler = startResourceSampler({ intervalMs: 100, clock: () => performance.now() - t0, sink: (e) => (e.type === 'machine.sample' ? machine.push(e) : events.push(e)) });
  await until(() => events.length, 4);
  await sampler.stop();
  const count = events.length;
  await sleep(250);
  expect(events.length).toBe(count); // nothing after stop()

  expect(count).toBeGreaterThanOrEqual(4);
  for (const e of events) {
    expect(e).toMatchObject({ type: 'resource.sample', component: 'harness', pid: process.pid });
    expect(e.rssBytes).toBeGreaterThan(1_000_000);
    expect(e.heapUsedBytes).toBeGreaterThan(100_000);
    expect(e.externalBytes).toBeGreaterThan(0);
    expect(e.handles).toBeGreaterThan(0);
  }
  expect(events[0]!.loopLagMs).toBeUndefined(); // no interval behind the first sample
  expect(events[0]!.cpuCores).toBeUndefined();
  expect(events.slice(1).every((e) => typeof e.loopLagMs === 'number' && e.loopLagMs >= 0)).toBe(true);
  expect(events.slice(1).every((e) => typeof e.cpuCores === 'number' && e.cpuCores >= 0)).toBe(true);
  if (hasProc) {
    // The machine: one sample a tick after the first (which sets the baseline), shares in 0..1.
    expect(machine.length).toBeGreaterThanOrEqual(count - 2);
    for (const m of machine) {
      expect(m.cores).toBeGreaterThanOrEqual(1);
      expect(m.busyShare).toBeGreaterThanOrEqual(0);
      expect(m.busyShare).toBeLessThanOrEqual(1);
      expect(Number.isInteger(m.runQueue) && m.runQueue >= 0).toBe(true);
    }
  }
  expect(events.map((e) => e.t)).toEqual([...events.map((e) => e.t)].sort((a, b) => a - b));
});

test.runIf(hasProc)('follows a child process by name through /proc: RSS and open descriptors, and skips it while it is not running', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  let pid: number | undefined = child.pid;
  const events: ResourceSampleEvent[] = [];
  const sampler = startResourceSampler({ intervalMs: 100, clock: () => performance.now(), sink: (e) => e.type === 'resource.sample' && events.push(e), children: { hub: () => pid, idle: () => undefined } });
  try {
    await until(() => events.filter((e) => e.component === 'hub').length, 3);
    const hub = events.filter((e) => e.component === 'hub');
    expect(hub.length).toBeGreaterThanOrEqual(3);
    for (const e of hub) {
      expect(e.pid).toBe(child.pid);
      expect(e.rssBytes).toBeGreaterThan(1_000_000);
      expect(e.handles).toBeGreaterThanOrEqual(3); // stdin, stdout, stderr at least
      expect(e.heapUsedBytes).toBeUndefined(); // another process's heap is not ours to read
      expect(e.loopLagMs).toBeUndefined();
    }
    expect(events.some((e) => e.component === 'idle')).toBe(false);

    // A child that exited (a redeploy under way) is skipped, not an error. A read
    // that began before the exit may still land, stamped with its start time.
    child.kill('SIGKILL');
    await once(child, 'exit');
    const exitedAt = performance.now();
    const harnessBefore = events.filter((e) => e.component === 'harness').length;
    await until(() => events.filter((e) => e.component === 'harness').length, harnessBefore + 3);
    expect(events.filter((e) => e.component === 'hub' && e.t >= exitedAt)).toEqual([]);
    pid = undefined;
  } finally {
    await sampler.stop();
    child.kill('SIGKILL');
  }
});

test.runIf(hasProc)('a child started as sh -c is sampled as its whole tree: the hub the shell runs, not the shell alone', async () => {
  // dash forks for the command rather than exec it: the shell's own RSS (about 1 MiB) never moves, the hub is its child.
  const hold = `globalThis.held = Buffer.alloc(64 * 1024 * 1024, 1); console.log('ready'); setInterval(() => {}, 1000)`;
  const script = `${process.execPath} -e "${hold}"`;
  const shell = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const events: ResourceSampleEvent[] = [];
  try {
    await once(shell.stdout!.setEncoding('utf8'), 'data');
    const sampler = startResourceSampler({ intervalMs: 100, clock: () => performance.now(), sink: (e) => e.type === 'resource.sample' && events.push(e), children: { hub: () => shell.pid } });
    await until(() => events.filter((e) => e.component === 'hub').length, 3);
    await sampler.stop();
    const hub = events.filter((e) => e.component === 'hub');
    expect(hub.length).toBeGreaterThanOrEqual(3);
    for (const e of hub) {
      expect(e.pid).toBe(shell.pid); // the root: a redeploy's new shell is a new incarnation
      expect(e.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
      expect(e.processes?.map((p) => p.command)).toEqual([`/bin/sh -c ${script}`.slice(0, 200), `${process.execPath} -e ${hold}`.slice(0, 200)]);
    }
    expect(hub[0]!.cpuCores).toBeUndefined();
    expect(hub.slice(1).every((e) => typeof e.cpuCores === 'number' && e.cpuCores >= 0)).toBe(true);
  } finally {
    try {
      process.kill(-shell.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

test('an interval too short to be cheap is refused with what to set', () => {
  let error: unknown;
  try {
    startResourceSampler({ intervalMs: 5, clock: () => 0, sink: () => {} });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(HarnessError);
  expect(error).toMatchObject({ code: 'EC_BAD_SCENARIO' });
});

test('the default interval keeps about 300 samples per component: 1 s for short runs, longer for soaks, at most 10 s', () => {
  expect(defaultSampleIntervalMs(60_000)).toBe(1_000);
  expect(defaultSampleIntervalMs(5 * 60_000)).toBe(1_000);
  expect(defaultSampleIntervalMs(30 * 60_000)).toBe(6_000);
  expect(defaultSampleIntervalMs(24 * 3_600_000)).toBe(10_000);
});
