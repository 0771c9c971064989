/**
 * No container outlives the process that started it. Started containers are
 * labelled with their owner's pid; a synchronous `docker rm -f` runs on exit
 * and on SIGINT/SIGTERM/SIGHUP, and each new process sweeps containers whose
 * owner died without cleaning up (SIGKILL, a crash of the engine client).
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import './engine.ts';
import { loadTestcontainers } from './testcontainers.ts';

export const LABEL_OWNED = 'edge-chaos';
export const LABEL_OWNER_PID = 'edge-chaos.owner-pid';
export const LABEL_OWNER_HOST = 'edge-chaos.owner-host';

/** Labels every container we start carries; `docker ps --filter label=edge-chaos=1` finds them. */
export function ownerLabels(): Record<string, string> {
  return { [LABEL_OWNED]: '1', [LABEL_OWNER_PID]: String(process.pid), [LABEL_OWNER_HOST]: hostname() };
}

const live = new Set<string>();
let hooksInstalled = false;

/** Call as soon as a container exists (before it starts), so a kill mid-start still cleans it. */
export function trackContainer(id: string): void {
  installHooks();
  live.add(id);
}

export function untrackContainer(id: string): void {
  live.delete(id);
}

/** Removes every container this process still owns; safe in an 'exit' handler. */
export function removeTrackedSync(): void {
  if (live.size === 0) return;
  const ids = [...live];
  live.clear();
  try {
    execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    // Exiting anyway; the next run's sweepOrphans() removes what is left.
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', removeTrackedSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeTrackedSync();
      // Listening for a signal cancels its default (exit). When nobody else
      // handles it, re-raise it (our once-listener is gone) so the process
      // still dies of it.
      if (process.listenerCount(signal) <= signalExitListenerCount()) process.kill(process.pid, signal);
    });
  }
}

/**
 * signal-exit (loaded by testcontainers' dependencies) listens to signals too,
 * but only re-raises when its listeners are the only ones; it counts itself in
 * these globals. Without discounting it, each of us would wait for the other
 * and a SIGTERM would leave the process running.
 */
function signalExitListenerCount(): number {
  const v3 = (process as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__?.count;
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')]?.count;
  return (typeof v3 === 'number' ? v3 : 0) + (typeof v4 === 'number' ? v4 : 0);
}

let sweep: Promise<number> | undefined;

/**
 * Removes containers of ours whose owner process on this host is gone.
 * Runs once per process; returns how many it removed. Never throws.
 */
export function sweepOrphansOnce(): Promise<number> {
  sweep ??= sweepOrphans().catch(() => 0);
  return sweep;
}

/** Removes containers of ours whose owner process on this host is gone; returns how many. */
export async function sweepOrphans(): Promise<number> {
  const client = await (await loadTestcontainers()).getContainerRuntimeClient();
  const containers = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL_OWNED}=1`] },
  });
  let removed = 0;
  for (const info of containers) {
    const ownerPid = Number(info.Labels[LABEL_OWNER_PID]);
    // A pid means nothing on another host sharing the engine: leave those be.
    if (info.Labels[LABEL_OWNER_HOST] !== hostname() || !Number.isInteger(ownerPid) || isAlive(ownerPid)) continue;
    try {
      await client.container.getById(info.Id).remove({ force: true, v: true });
      removed += 1;
    } catch {
      // Already gone, or being removed by a concurrent sweep.
    }
  }
  return removed;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
