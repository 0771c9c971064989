import { spawn, type ChildProcess } from 'node:child_process';
import { LogTail } from './log-tail.ts';

/** Process groups we started and have not seen exit, killed if the harness exits first. */
const live = new Set<number>();
let exitHookInstalled = false;

function track(pid: number): void {
  live.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const id of live) signalGroup(id, 'SIGKILL');
  });
}

/** True while any process of the group is alive (a shell may have exited while the command it ran goes on). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves once the whole group is gone, or false after `timeoutMs`. No event reports another process's death, so this polls. */
async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface ManagedProcess {
  readonly proc: ChildProcess;
  readonly pid: number | undefined;
  readonly logs: LogTail;
  /** Calls `listener` with each new line of standard output until the returned function is called. */
  onLine(listener: (line: string) => void): () => void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM to the whole group (then SIGKILL after graceMs), or SIGKILL at once; resolves on exit. */
  stop(how: 'graceful' | 'crash', graceMs?: number): Promise<void>;
}

/**
 * A child process in its own process group (so a shell wrapper and all it
 * starts go down together), its output kept, killed with the harness if the
 * harness exits first.
 */
export function spawnManaged(command: string, args: readonly string[], env: Record<string, string>): ManagedProcess {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = proc.pid;
  if (pid !== undefined) track(pid);
  const logs = new LogTail();
  // The group stays on the exit hook's list until stop() has seen all of it gone: a `sh -c` wrapper
  // can exit while the hub it started is still draining.
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => logs.push(chunk));
  const listeners = new Set<(line: string) => void>();
  proc.stdout!.on('data', (chunk: string) => {
    for (const line of logs.push(chunk)) for (const listener of listeners) listener(line);
  });
  return {
    proc,
    pid,
    logs,
    exited,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop(how, graceMs = 10_000) {
      if (pid === undefined) return;
      if (groupAlive(pid)) {
        signalGroup(pid, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
        if (!(await groupGone(pid, how === 'crash' ? 5_000 : graceMs))) {
          signalGroup(pid, 'SIGKILL');
          await groupGone(pid, 5_000);
        }
      }
      await exited;
      if (!groupAlive(pid)) live.delete(pid);
    },
  };
}

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits first or `timeoutMs` passes. */
export function waitForLine(managed: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => done(new Error(`exited before it was ready (${signal ?? `code ${code}`})`));
    const timer = setTimeout(() => done(new Error(`was not ready after ${timeoutMs} ms`)), timeoutMs);
    const unsubscribe = managed.onLine((line) => {
      const match = pattern.exec(line);
      if (match) done(undefined, match);
    });
    const done = (error?: Error, match?: RegExpMatchArray) => {
      clearTimeout(timer);
      unsubscribe();
      managed.proc.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    };
    managed.proc.once('exit', onExit);
  });
}
