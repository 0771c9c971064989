import { readFileSync, readdirSync } from 'node:fs';

/**
 * What the kernel says a process tree uses, from /proc (Linux only). Used for
 * processes the bench cannot ask itself (Artillery) and for CPU time, which
 * a process's own counters would disturb by being read over IPC.
 */

export interface ProcessTreeStats {
  /** Resident set of every process in the tree, bytes. */
  rssBytes: number;
  /** User + system CPU time of every process in the tree (all threads), ms. */
  cpuMs: number;
  /** Pids counted. */
  pids: number[];
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux Node supports
/** Index in the fields after the command name (field 3 of proc(5) is index 0). */
const STAT_FIELD = { state: 0, ppid: 1, utime: 11, stime: 12, starttime: 19 } as const;

/** Fields after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // exited between listing and reading
  }
}

function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants alive now. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))?.[STAT_FIELD.ppid]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export function readProcessTree(rootPid: number): ProcessTreeStats {
  const pids = processTree(rootPid);
  let rss = 0;
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (!fields) continue;
    ticks += Number(fields[STAT_FIELD.utime]) + Number(fields[STAT_FIELD.stime]);
    rss += rssBytes(pid);
  }
  return { rssBytes: rss, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, pids };
}

/** When the process started, in clock ticks after boot; undefined once it is gone. */
export function processStartTicks(pid: number): number | undefined {
  const ticks = Number(statFields(pid)?.[STAT_FIELD.starttime]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/**
 * True while the pid exists and is not a zombie, and, given its start time,
 * is still that process rather than a later one that reused the pid.
 */
export function isAlive(pid: number, startTicks?: number): boolean {
  const fields = statFields(pid);
  if (fields === undefined || fields[STAT_FIELD.state] === 'Z') return false;
  return startTicks === undefined || Number(fields[STAT_FIELD.starttime]) === startTicks;
}
