import { spawn, type ChildProcess } from 'node:child_process';
import { LogTail } from './hubs/types.ts';

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
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      if (pid !== undefined) live.delete(pid);
      resolve();
    }),
  );
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
      if (pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      signalGroup(pid, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
      const timer = how === 'graceful' ? setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs) : undefined;
      await exited;
      clearTimeout(timer);
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
