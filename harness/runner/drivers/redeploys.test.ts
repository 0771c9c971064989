import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../../history/events.ts';
import { History } from '../../history/history.ts';
import { waitFor } from '../wait.ts';
import { createFleet } from '../../runtime/fleet/create.ts';
import { startHubRuntime, type HubRuntime } from '../../runtime/hubs/index.ts';
import { startCommandHub } from '../../runtime/hubs/reference-process.ts';
import { pidAlive, pidsSurvivingAfter } from '../../runtime/process-tree.test-support.ts';
import { startFaultProxy } from '../../runtime/proxy.ts';
import { RedeployDriver } from './redeploys.ts';
import { parsePrometheusText } from '../../../common/prom-text.ts';

/**
 * The RedeployDriver against real hub runtimes: restarts are new processes
 * on the same port, a rolling deploy moves the proxy's upstream to a sibling
 * and stops the old hub, a failed start is recorded, and stop() leaves
 * nothing half done.
 */
const START_ONCE = fileURLToPath(new URL('../../runtime/hubs/fixtures/start-once.sh', import.meta.url));
const FOREIGN_HUB = fileURLToPath(new URL('../../runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-redeploys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NEVER = new AbortController().signal;

function runClock(): { clock: () => number; epochMs: number } {
  const t0 = performance.now();
  return { clock: () => performance.now() - t0, epochMs: performance.timeOrigin + t0 };
}

function redeployEvents(history: History): HistoryEvent[] {
  return history.events.filter((e) => e.type === 'hub.redeploy' || e.type === 'hub.redeploy.failed');
}

/** Waits for the named redeploy to end or fail; the driver's own events are the signal. */
async function settled(history: History, name: string, timeoutMs = 30_000): Promise<void> {
  const done = () => history.events.some((e) => (e.type === 'hub.redeploy' && e.name === name && e.phase === 'end') || (e.type === 'hub.redeploy.failed' && e.name === name));
  expect(await waitFor(history, done, timeoutMs, NEVER), `redeploy ${name} did not finish`).toBe(true);
}

async function metric(hubUrl: string, name: string): Promise<number | undefined> {
  const response = await fetch(new URL('/metrics', hubUrl));
  return parsePrometheusText(await response.text()).sum(name);
}

describe.concurrent('RedeployDriver', () => {
  test('graceful and crash restarts of a child-process hub: a new process on the same port each time, the old one gone', async () => {
    const history = new History();
    const { clock } = runClock();
    const hub = await startHubRuntime({ kind: 'child-process' }, { defects: [] });
    try {
      const pids = [hub.pid!];
      const driver = new RedeployDriver({ hub, history, clock, signal: new AbortController().signal });
      driver.schedule([{ name: 'soft', atMs: 0, kind: 'graceful', downMs: 200 }]);
      await settled(history, 'soft');
      pids.push(hub.pid!);
      driver.schedule([{ name: 'hard', atMs: 0, kind: 'crash' }]);
      await settled(history, 'hard');
      pids.push(hub.pid!);
      await driver.stop();

      expect(redeployEvents(history).map((e) => (e.type === 'hub.redeploy' ? `${e.name}:${e.kind}:${e.phase}` : e.type))).toEqual(['soft:graceful:begin', 'soft:graceful:end', 'hard:crash:begin', 'hard:crash:end']);
      expect(new Set(pids).size, `pids ${pids.join(', ')}`).toBe(3);
      expect(await pidsSurvivingAfter(pids.slice(0, 2)), 'replaced hub processes still running').toEqual([]);
      expect(pidAlive(pids[2]!)).toBe(true);
      expect(driver.current).toBe(hub);
      expect(hub.running).toBe(true);
      const health = await fetch(new URL('/healthz', hub.url));
      expect(health.status).toBe(200);
    } finally {
      await hub[Symbol.asyncDispose]();
    }
  }, 60_000);

  test('rolling: a sibling on another port, every proxy upstream switched to it (read back through toxiproxy-node-client), the old hub stopped, one reconnect per agent', async () => {
    const agents = 4;
    const history = new History();
    const { clock, epochMs } = runClock();
    const hub = await startHubRuntime({ kind: 'child-process' }, { defects: [] });
    let driver: RedeployDriver | undefined;
    const proxy = await startFaultProxy({ choice: { kind: 'embedded' }, hubUrl: hub.url, groups: [{ name: 'fleet', agents }] });
    const fleet = createFleet({ agents, idPrefix: 'agent-', hubUrlFor: (i) => proxy.urlFor('fleet', i), seed: '8', backoff: {}, rampMs: 0, shards: 0, sourceAddresses: 1, clock, runStartEpochMs: epochMs, sink: (e) => history.append(e) });
    const opens = () => history.events.filter((e) => e.type === 'ws.open').length;
    try {
      await fleet.start();
      expect(await waitFor(history, () => opens() === agents, 20_000, NEVER), 'the fleet connected').toBe(true);
      const oldPid = hub.pid!;

      driver = new RedeployDriver({ hub, proxy, history, clock, signal: new AbortController().signal });
      driver.schedule([{ name: 'blue-green', atMs: 0, kind: 'rolling' }]);
      await settled(history, 'blue-green');
      await driver.stop();
      expect(history.events.filter((e) => e.type === 'hub.redeploy.failed')).toEqual([]);

      const next: HubRuntime = driver.current;
      expect(next).not.toBe(hub);
      expect(next.port).not.toBe(hub.port);
      expect(driver.retired).toEqual([hub]);
      expect(history.events.find((e) => e.type === 'hub.redeploy' && e.phase === 'end')).toMatchObject({ detail: { url: next.url } });

      // The proxy's state as Toxiproxy itself reports it, not as our wrapper remembers it.
      const client = new Toxiproxy(proxy.apiUrl);
      const proxies = Object.values(await client.getAll());
      expect(proxies.length).toBeGreaterThan(0);
      for (const p of proxies) expect(p.upstream, p.name).toBe(`127.0.0.1:${next.port}`);

      // The old hub is stopped: not running, its process gone, its port closed.
      expect(hub.running).toBe(false);
      expect(await pidsSurvivingAfter([oldPid]), 'the old hub process').toEqual([]);
      await expect(fetch(hub.url, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
      expect(next.running).toBe(true);
      expect(next.pid).not.toBe(oldPid);

      // Every agent reconnects once, and the new hub is where they are.
      expect(await waitFor(history, () => opens() === 2 * agents, 20_000, NEVER), 'every agent reconnected').toBe(true);
      const perAgent = new Map<string, number>();
      for (const e of history.events) if (e.type === 'ws.open') perAgent.set(e.agent, (perAgent.get(e.agent) ?? 0) + 1);
      expect([...perAgent.values()]).toEqual(Array(agents).fill(2));
      expect(await metric(next.url, 'edge_hub_connections_open')).toBe(agents);
      expect(await metric(next.url, 'edge_hub_connections_accepted_total')).toBe(agents);
    } finally {
      await fleet.stop();
      await proxy.stop();
      // Siblings first: the first hub's disposal removes the database they share.
      if (driver && driver.current !== hub) await driver.current[Symbol.asyncDispose]();
      await hub[Symbol.asyncDispose]();
    }
  }, 60_000);

  test('a start that fails is recorded as hub.redeploy.failed with the hub\'s output, and leaves no process', async () => {
    const history = new History();
    const { clock } = runClock();
    const pidLog = join(tmp, 'doomed.pids');
    const hub = await startCommandHub(`sh ${START_ONCE} ${join(tmp, 'marker')} --pid-log ${pidLog}`);
    try {
      // The shell wrapper and the hub it started: both must go.
      const firstPids = [hub.pid!, ...readFileSync(pidLog, 'utf8').trim().split('\n').map(Number)];
      expect(firstPids).toHaveLength(2);
      const driver = new RedeployDriver({ hub, history, clock, signal: new AbortController().signal });
      // Down long enough for the old hub (a child of the shell) to have exited; see the next test for why that matters.
      driver.schedule([{ name: 'doomed', atMs: 0, kind: 'graceful', downMs: 1_000 }]);
      await settled(history, 'doomed');
      await driver.stop();
      const events = redeployEvents(history);
      expect(events.map((e) => e.type)).toEqual(['hub.redeploy', 'hub.redeploy.failed']);
      const failed = events[1] as Extract<HistoryEvent, { type: 'hub.redeploy.failed' }>;
      expect(failed.error).toContain('exited before it was ready');
      expect(failed.error).toContain('refusing to start again');
      expect(hub.running).toBe(false);
      expect(hub.pid).toBeUndefined();
      expect(await pidsSurvivingAfter(firstPids)).toEqual([]);
    } finally {
      await hub[Symbol.asyncDispose]();
    }
  }, 60_000);

  // BUG (harness/runtime/managed-process.ts stop(), used by hubs/process.ts):
  // a graceful stop resolves when the group leader exits, not when the group
  // is gone. A --hub-cmd hub always has a leader that is not the hub: `/bin/sh
  // -c CMD` (dash does not exec the command), or the user's wrapper script.
  // The shell dies at SIGTERM at once while the hub drains and still listens.
  test('a graceful stop of a --hub-cmd hub returns only once the hub process itself has exited', async () => {
    const pidLog = join(tmp, 'linger.pids');
    const hub = await startCommandHub(`node ${FOREIGN_HUB} --pid-log ${pidLog} --linger-ms 1500`);
    // Two processes where /bin/sh is dash (it does not exec the command); one where the shell execs it.
    const pids = [...new Set([hub.pid!, ...readFileSync(pidLog, 'utf8').trim().split('\n').map(Number)])];
    try {
      await hub.stop('graceful');
      expect(pids.filter(pidAlive), 'processes of the hub still alive when stop() resolved').toEqual([]);
    } finally {
      await hub[Symbol.asyncDispose]();
      for (const pid of pids.filter(pidAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);

  // The same bug's symptom in a redeploy: the restart probes the port, the
  // OLD hub (still draining) answers, and the redeploy is recorded as ended
  // though the new hub exited at once.
  test('a restart that fails is recorded as hub.redeploy.failed, also while the old hub behind a shell wrapper still drains', async () => {
    const history = new History();
    const { clock } = runClock();
    const pidLog = join(tmp, 'linger2.pids');
    const hub = await startCommandHub(`sh ${START_ONCE} ${join(tmp, 'linger2-marker')} --pid-log ${pidLog} --linger-ms 1500`);
    const pids = [hub.pid!, ...readFileSync(pidLog, 'utf8').trim().split('\n').map(Number)];
    try {
      const driver = new RedeployDriver({ hub, history, clock, signal: new AbortController().signal });
      driver.schedule([{ name: 'doomed', atMs: 0, kind: 'graceful' }]);
      await settled(history, 'doomed');
      await driver.stop();
      expect(redeployEvents(history).map((e) => e.type)).toEqual(['hub.redeploy', 'hub.redeploy.failed']);
    } finally {
      await hub[Symbol.asyncDispose]();
      expect(await pidsSurvivingAfter(pids), 'hub processes after dispose').toEqual([]);
    }
  }, 30_000);

  test('stop() cancels redeploys not yet begun and waits for the one under way to end', async () => {
    const history = new History();
    const { clock } = runClock();
    const hub = await startHubRuntime({ kind: 'in-process' }, { defects: [] });
    try {
      const driver = new RedeployDriver({ hub, history, clock, signal: new AbortController().signal });
      driver.schedule([
        { name: 'now', atMs: 0, kind: 'graceful', downMs: 300 },
        { name: 'later', atMs: 60_000, kind: 'graceful' },
      ]);
      expect(await waitFor(history, () => redeployEvents(history).length > 0, 10_000, NEVER)).toBe(true);
      await driver.stop();
      expect(redeployEvents(history).map((e) => (e.type === 'hub.redeploy' ? `${e.name}:${e.phase}` : e.type))).toEqual(['now:begin', 'now:end']);
      expect(hub.running).toBe(true);
    } finally {
      await hub[Symbol.asyncDispose]();
    }
  }, 30_000);
});
