import { spawn, fork, type ChildProcess, type ForkOptions, type SpawnOptions } from 'node:child_process';
import { processStartTicks } from './proc-stats.ts';

/**
 * Every process the bench starts goes through here, so one place can stop
 * them all: on a normal end, on Ctrl-C, on an error half-way, and (by
 * SIGKILL) from the 'exit' handler when nothing else ran. The pids are kept
 * after exit so a test can prove none is left.
 */

interface Tracked {
  readonly child: ChildProcess;
  /** Started with detached: its own process group, killed as a group (Artillery may start helpers). */
  readonly group: boolean;
}

/**
 * A process the bench started, told apart from a later one that reuses its
 * pid (pid_max may be 32,768, and a busy machine wraps it) by its start time.
 */
export interface StartedChild {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot; undefined if it had exited before it was read. */
  startTicks: number | undefined;
}

const live = new Set<Tracked>();
const started: StartedChild[] = [];

function track(child: ChildProcess, group: boolean, what: string): ChildProcess {
  if (child.pid === undefined) throw new Error(`could not start ${what}: no pid (is ${process.execPath} still there?)`);
  const entry = { child, group };
  live.add(entry);
  started.push({ pid: child.pid, startTicks: processStartTicks(child.pid) });
  child.once('exit', () => live.delete(entry));
  return child;
}

/** spawn() that the bench will clean up after. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions & { what: string }): ChildProcess {
  const { what, ...spawnOptions } = options;
  return track(spawn(command, args, spawnOptions), spawnOptions.detached === true, what);
}

/** fork() (a Node child with an IPC channel) that the bench will clean up after. */
export function forkTracked(modulePath: string, args: readonly string[], options: ForkOptions & { what: string }): ChildProcess {
  const { what, ...forkOptions } = options;
  return track(fork(modulePath, args, forkOptions), forkOptions.detached === true, what);
}

/** Every process the bench started, alive or not. */
export function startedChildren(): readonly StartedChild[] {
  return started;
}

function signal(entry: Tracked, name: NodeJS.Signals): void {
  const pid = entry.child.pid!;
  try {
    process.kill(entry.group ? -pid : pid, name);
  } catch {
    // Already gone: nothing to stop.
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits for a child to exit; SIGKILLs it (and its group) when it takes longer than graceMs. */
export async function waitForExit(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  if ((await Promise.race([gone, late])) === 'late') {
    for (const entry of live) if (entry.child === child) signal(entry, 'SIGKILL');
    await gone;
  }
  clearTimeout(timer);
}

/** Asks every live child to stop (SIGTERM), then SIGKILLs what is left after graceMs. */
export async function stopAllChildren(graceMs = 3_000): Promise<void> {
  const entries = [...live];
  for (const entry of entries) signal(entry, 'SIGTERM');
  await Promise.all(entries.map((entry) => waitForExit(entry.child, graceMs)));
}

// Last resort: the process is exiting and async cleanup can no longer run.
process.on('exit', () => {
  for (const entry of live) signal(entry, 'SIGKILL');
});
