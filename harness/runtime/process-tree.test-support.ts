/**
 * The OS's own view of processes, read from /proc: what a run started, and
 * whether it is still there. Tests ask the kernel rather than the harness, so
 * a leak the harness does not know about is still seen.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, names one process even if the pid is reused. */
  startTicks: string;
  state: string;
  cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may itself hold spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '').join(' ');
    // fields[0] is stat field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
    return { pid, ppid: Number(fields[1]), state: fields[0]!, startTicks: fields[19]!, cmdline };
  } catch {
    return undefined; // gone between readdir and read
  }
}

export function processTable(): ProcInfo[] {
  const table: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) table.push(info);
  }
  return table;
}

/** Every live process below `root` (children, grandchildren, ...), not `root` itself. */
export function descendantsOf(root: number): ProcInfo[] {
  const table = processTable();
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of table) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      if (!isAlive(child)) continue;
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** The same process (pid and start time) still exists and is not a zombie. */
export function isAlive(p: Pick<ProcInfo, 'pid' | 'startTicks'>): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.startTicks === p.startTicks && now.state !== 'Z' && now.state !== 'X';
}

/**
 * Records every process that appears below `root` while it runs. Sampled:
 * the kernel offers no event for another process's children, so this reads
 * /proc every `intervalMs` until stopped.
 */
export function recordDescendants(root: number, intervalMs = 100): { seen(): ProcInfo[]; stop(): ProcInfo[] } {
  const seen = new Map<string, ProcInfo>();
  const sample = () => {
    for (const p of descendantsOf(root)) seen.set(`${p.pid}/${p.startTicks}`, p);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    seen: () => [...seen.values()],
    stop() {
      clearInterval(timer);
      sample();
      return [...seen.values()];
    },
  };
}

/**
 * Waits (bounded) until none of `procs` is alive; returns those still alive
 * at the deadline. Polls /proc: there is no event for another process's death.
 */
export async function survivorsAfter(procs: readonly ProcInfo[], timeoutMs = 10_000): Promise<ProcInfo[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const alive = procs.filter(isAlive);
    if (alive.length === 0 || performance.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Kills what a failed test left behind, so one failure does not leak into the next test. */
export function killAll(procs: readonly ProcInfo[]): void {
  for (const p of procs) {
    if (!isAlive(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/** A readable list for assertion messages. */
export function describeProcs(procs: readonly ProcInfo[]): string[] {
  return procs.map((p) => `${p.pid} ${p.cmdline}`);
}

/**
 * Reference hubs (server/main.ts) below this process, by the port they were
 * started on, collected each time `sample()` is called: a redeployed hub is a
 * new process on the same port, a blue-green sibling one on another port.
 */
export function referenceHubWatcher(): { sample(): void; onPort(port: number): ProcInfo[] } {
  const seen = new Map<string, ProcInfo & { port: number }>();
  return {
    sample() {
      for (const p of descendantsOf(process.pid)) {
        const port = /server\/main\.ts .*--port (\d+)/.exec(p.cmdline)?.[1];
        if (port) seen.set(`${p.pid}/${p.startTicks}`, { ...p, port: Number(port) });
      }
    },
    onPort: (port) => [...seen.values()].filter((p) => p.port === port),
  };
}

/** A process with this pid exists and is not a zombie (for pids a fixture wrote down itself). */
export function pidAlive(pid: number): boolean {
  const now = readProc(pid);
  return now !== undefined && now.state !== 'Z' && now.state !== 'X';
}

/** Waits (bounded, polling /proc) until none of `pids` is alive; returns those still alive. */
export async function pidsSurvivingAfter(pids: readonly number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(pidAlive);
    if (alive.length === 0 || performance.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
