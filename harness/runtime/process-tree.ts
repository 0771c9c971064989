/**
 * A process and everything below it, read from Linux /proc: what a hub
 * started as `sh -c "python3 hub.py"` really uses. The shell's own figures
 * never move; the hub is its child (dash does not exec the last command), so
 * memory, descriptors and CPU are summed over the whole tree.
 *
 * Cost per read, for a tree of n processes with t threads in all: t small
 * reads of task/N/children to find the tree, then per process its stat and
 * status and one readdir of fd; a command line is read once per process. A
 * hub and its shell are a few dozen reads a second, fine for hours.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** Longest command line kept per process, characters. */
const COMMAND_MAX_CHARS = 200;

export interface ProcessTreeReading {
  /** Resident set size summed over the tree, bytes (pages shared between its processes count in each). */
  rssBytes: number;
  /** Open file descriptors summed over the processes whose fd folder could be read; absent when none could. */
  handles?: number;
  /**
   * CPU the tree used since this reader's previous read of the same root, over the wall time
   * between them, in cores; absent on the first read of a root (a new pid: a redeploy).
   */
  cpuCores?: number;
  /**
   * Time the processes' main threads spent runnable but waiting for a CPU since the previous read
   * of the same root, over the wall time between them (summed: 0.3 is 300 ms of waiting a second);
   * absent on the first read of a root.
   */
  cpuWaitShare?: number;
  /** The processes summed, the root first, then its descendants breadth first. */
  processes: { pid: number; command: string }[];
}

interface ProcStat {
  pid: number;
  /** Start time, clock ticks since boot: with the pid, names one process even if the pid is reused. */
  startTicks: string;
  state: string;
  comm: string;
  /** utime + stime + cutime + cstime: its own CPU and that of the children it reaped, ticks. */
  cpuTicks: number;
}

let ticksPerSecond: Promise<number> | undefined;

/**
 * The kernel's clock tick rate (USER_HZ), the unit of /proc/PID/stat's CPU
 * times. Node does not expose sysconf(_SC_CLK_TCK), so `getconf CLK_TCK` is
 * asked once per process; where it cannot run, 100, which is what Linux
 * reports on every common architecture (USER_HZ is fixed at 100 for the
 * user ABI whatever the kernel's internal HZ).
 */
export function clockTicksPerSecond(): Promise<number> {
  ticksPerSecond ??= new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], { timeout: 5_000 }, (error, stdout) => {
      const value = Number(String(stdout).trim());
      resolve(!error && Number.isInteger(value) && value > 0 ? value : 100);
    });
  });
  return ticksPerSecond;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // comm (field 2) is in parentheses and may itself hold spaces or ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is stat field 3 (state); utime..cstime are fields 14..17, starttime field 22.
  const cpuTicks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return { pid, state: fields[0]!, comm: text.slice(text.indexOf('(') + 1, close), startTicks: fields[19]!, cpuTicks };
}

/** Children of every thread of `pid` (a child belongs to the thread that forked it). */
async function childrenOf(pid: number): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const lists = await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((list) => list.split(' ').filter((s) => s !== '').map(Number));
}

/** Pids below `root`, breadth first, from a scan of every /proc/N/stat: for kernels without task/N/children. */
async function descendantsByScan(root: number): Promise<number[]> {
  const byParent = new Map<number, number[]>();
  const names = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  await Promise.all(
    names.map(async (name) => {
      const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
      if (text === undefined) return;
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
      let list = byParent.get(ppid);
      if (!list) byParent.set(ppid, (list = []));
      list.push(Number(name));
    }),
  );
  const out: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const next: number[] = [];
    for (const pid of queue) for (const child of byParent.get(pid) ?? []) next.push(child);
    out.push(...next);
    queue = next;
  }
  return out;
}

/**
 * How long the process's main thread has been runnable but waiting for a CPU, ns since it
 * started (the second field of /proc/PID/schedstat, the scheduler's run_delay). For an event
 * loop (Node, Python asyncio) the main thread is the one that answers; a hub that waits on its
 * own timers or a hang accrues none, a starved one accrues it fast.
 */
export async function readRunDelayNs(pid: number | 'self'): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => undefined);
  const ns = text === undefined ? NaN : Number(text.split(' ')[1]);
  return Number.isFinite(ns) ? ns : undefined;
}

async function readRssBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status === undefined ? undefined : /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

async function countFds(pid: number): Promise<number | undefined> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined; // another user's process, or it exited meanwhile
  }
}

async function readCommand(p: ProcStat): Promise<string> {
  const raw = await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '');
  // One line whatever the arguments hold (a script passed with -e has newlines).
  const command = raw.split('\0').join(' ').replace(/\s+/g, ' ').trim() || `[${p.comm}]`;
  return command.length > COMMAND_MAX_CHARS ? command.slice(0, COMMAND_MAX_CHARS) : command;
}

/**
 * Reads process trees and remembers, per root, the CPU total and the time
 * of its last read, so each read can say how many cores the tree used
 * since. One reader per sampler; roots are forgotten when not read again.
 */
export class ProcessTreeReader {
  /** Root key (pid/start) -> the tree's CPU total and when it was read. */
  #last = new Map<string, { cpuTicks: number; waitNs: number; atMs: number }>();
  /** pid/start -> command line: read once per process. */
  #commands = new Map<string, string>();
  /** False once the kernel turned out not to have task/N/children (CONFIG_PROC_CHILDREN off). */
  #childrenFiles: boolean | undefined;

  /**
   * The tree under `root` (itself included); undefined when the root is gone or a zombie (its
   * hub exited: mid-redeploy), or there is no /proc.
   */
  async read(root: number): Promise<ProcessTreeReading | undefined> {
    return this.#read(root, () => this.#descendants(root));
  }

  /**
   * Like read(), over a given set of processes instead of `root`'s descendants (a container's:
   * its cgroup's list, which holds a process started into it with `docker exec` too). `root`
   * leads the set and keys it, as a tree's root does; `members` may include it.
   */
  async readGroup(root: number, members: readonly number[]): Promise<ProcessTreeReading | undefined> {
    return this.#read(root, async () => members.filter((pid) => pid !== root));
  }

  async #read(root: number, others: () => Promise<number[]>): Promise<ProcessTreeReading | undefined> {
    const hz = await clockTicksPerSecond();
    const rootStat = await readStat(root);
    if (!rootStat || rootStat.state === 'Z' || rootStat.state === 'X') return undefined;
    const atMs = performance.now();
    const pids = [root, ...(await others())];
    const stats = (await Promise.all(pids.map((pid) => (pid === root ? rootStat : readStat(pid))))).filter((s): s is ProcStat => s !== undefined);
    let rssBytes = 0;
    let handles: number | undefined;
    let cpuTicks = 0;
    let waitNs = 0;
    const processes: { pid: number; command: string }[] = [];
    const live = new Set<string>();
    const measured = new Set<ProcStat>();
    await Promise.all(
      stats.map(async (s) => {
        // A zombie child has exited: its CPU counts (it moves to its parent's cutime once reaped), its memory is gone.
        cpuTicks += s.cpuTicks;
        if (s.state === 'Z' || s.state === 'X') return;
        const [rss, fds, delay] = await Promise.all([readRssBytes(s.pid), countFds(s.pid), readRunDelayNs(s.pid)]);
        if (rss === undefined) return; // exiting: its memory is already gone
        measured.add(s);
        waitNs += delay ?? 0;
        rssBytes += rss;
        if (fds !== undefined) handles = (handles ?? 0) + fds;
      }),
    );
    // A root on its way out (no memory left to read) is a hub mid-exit: no reading rather than a drop to 0.
    if (!measured.has(rootStat)) return undefined;
    for (const s of stats) {
      if (!measured.has(s)) continue;
      const key = `${s.pid}/${s.startTicks}`;
      live.add(key);
      let command = this.#commands.get(key);
      if (command === undefined) this.#commands.set(key, (command = await readCommand(s)));
      processes.push({ pid: s.pid, command });
    }
    for (const key of this.#commands.keys()) if (!live.has(key)) this.#commands.delete(key);

    const rootKey = `${root}/${rootStat.startTicks}`;
    const previous = this.#last.get(rootKey);
    this.#last.set(rootKey, { cpuTicks, waitNs, atMs });
    // Only the roots read in this round stay: a redeployed hub's old root is not read again.
    let cpuCores: number | undefined;
    let cpuWaitShare: number | undefined;
    if (previous && atMs > previous.atMs) {
      // A process that left the tree takes its waiting with it: a drop reads 0.
      cpuWaitShare = Math.round((Math.max(0, waitNs - previous.waitNs) / 1e6 / (atMs - previous.atMs)) * 1_000) / 1_000;
      // The tree's total is continuous when a child is reaped (its time moves into its parent's
      // cutime); a descendant orphaned out of the tree takes its time with it, so a drop reads 0.
      const seconds = (atMs - previous.atMs) / 1_000;
      cpuCores = Math.round((Math.max(0, cpuTicks - previous.cpuTicks) / hz / seconds) * 1_000) / 1_000;
    }
    return { rssBytes, ...(handles === undefined ? {} : { handles }), ...(cpuCores === undefined ? {} : { cpuCores }), ...(cpuWaitShare === undefined ? {} : { cpuWaitShare }), processes };
  }

  /** Forgets roots other than `keep` (call once per sampling round, with the roots read in it). */
  retain(keep: ReadonlySet<number>): void {
    for (const key of this.#last.keys()) if (!keep.has(Number(key.split('/')[0]))) this.#last.delete(key);
  }

  async #descendants(root: number): Promise<number[]> {
    if (this.#childrenFiles === undefined) {
      // Asked of this process, which is surely alive: a root that just exited must not switch the mode.
      this.#childrenFiles = await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').then(
        () => true,
        () => false,
      );
    }
    if (!this.#childrenFiles) return descendantsByScan(root);
    const out: number[] = [];
    for (let queue = [root]; queue.length > 0; ) {
      const next = (await Promise.all(queue.map(childrenOf))).flat();
      out.push(...next);
      queue = next;
    }
    return out;
  }
}
