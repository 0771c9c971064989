/**
 * A process's cgroup, found and read from Linux's files: where a container's
 * memory and CPU are accounted, whatever its processes are. Both layouts:
 *
 * - v1 (and hybrid: v1 controllers with a cgroup2 tree beside them, as Docker
 *   with the cgroupfs driver runs here): one hierarchy per controller, e.g.
 *   /sys/fs/cgroup/memory/docker/ID/memory.stat and
 *   /sys/fs/cgroup/cpuacct/docker/ID/cpuacct.usage (ns).
 * - v2 (unified): one folder, e.g. /sys/fs/cgroup/system.slice/docker-ID.scope,
 *   with memory.stat and cpu.stat (usage_usec).
 *
 * The folders come from /proc/PID/cgroup (the process's path per hierarchy)
 * and /proc/self/mountinfo (where this process sees each hierarchy mounted,
 * and from which root), so nothing assumes /sys/fs/cgroup. The parsing is
 * pure and takes the two texts, so a hand-made layout in a temp folder tests it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one process's cgroup figures are read; a part absent when no hierarchy this process can see has it. */
export interface CgroupLocation {
  /** memory.stat of the memory controller's folder. */
  memory?: { version: 1 | 2; statFile: string };
  /** v1: cpuacct.usage (ns); v2: cpu.stat (usage_usec). */
  cpu?: { version: 1 | 2; file: string };
  /** cgroup.procs: the processes in the cgroup. */
  procsFile?: string;
}

/** One reading of a cgroup. */
export interface CgroupReading {
  /**
   * Memory its processes hold that is charged to it, bytes: anonymous memory plus file pages
   * mapped into a process (v1 memory.stat total_rss + total_mapped_file; v2 anon + file_mapped).
   * Unmapped page cache (a database file, logs) and kernel memory are left out. Absent when
   * the memory controller's files cannot be read.
   */
  memoryBytes?: number;
  /** CPU time used since the cgroup was made, ns; absent when no CPU accounting can be read. */
  cpuUsageNs?: number;
  /** Its processes (thread group ids), as cgroup.procs lists them; empty when it cannot be read. */
  pids: number[];
}

interface CgroupMount {
  fsType: 'cgroup' | 'cgroup2';
  /** The path inside the hierarchy this mount shows at its mount point. */
  root: string;
  mountPoint: string;
  /** v1: the controllers (and name=...) in its super options. */
  controllers: string[];
}

/** Mount points are written with octal escapes for space, tab, newline and backslash. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The cgroup file systems in a /proc/PID/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(' ');
    const [fsType, , superOptions = ''] = line.slice(dash + 3).split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    if (before.length < 5) continue;
    mounts.push({
      fsType,
      root: unescapeMountPath(before[3]!),
      mountPoint: unescapeMountPath(before[4]!),
      controllers: fsType === 'cgroup' ? superOptions.split(',') : [],
    });
  }
  return mounts;
}

/** A /proc/PID/cgroup text: per hierarchy, its controllers ('' for v2's 0:: line) and the path. */
export function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const first = line.indexOf(':');
      const second = line.indexOf(':', first + 1);
      const list = line.slice(first + 1, second);
      return { controllers: list === '' ? [] : list.split(','), path: line.slice(second + 1) };
    });
}

/** The folder of cgroup `path` under `mount`, or undefined when this mount does not show it. */
function folderUnder(mount: CgroupMount, path: string): string | undefined {
  if (mount.root === '/') return join(mount.mountPoint, path);
  if (path === mount.root) return mount.mountPoint;
  if (path.startsWith(`${mount.root}/`)) return join(mount.mountPoint, path.slice(mount.root.length));
  return undefined; // a cgroup outside what is mounted here (another cgroup namespace)
}

/**
 * Where the cgroup figures of a process with this /proc/PID/cgroup text are, given this
 * process's mounts. A v1 controller wins over the v2 tree when both are there (hybrid): on a
 * hybrid machine the v2 tree holds no memory controller, and the v1 one is what Docker limits.
 * A v2 folder is taken for memory only if it has memory.stat (the controller may not be
 * enabled there); that is checked when read.
 */
export function locateCgroup(procCgroup: string, mountinfo: string): CgroupLocation {
  const mounts = parseCgroupMounts(mountinfo);
  const lines = parseProcCgroup(procCgroup);
  const v1Folder = (controller: string): string | undefined => {
    const line = lines.find((l) => l.controllers.includes(controller));
    if (!line) return undefined;
    for (const mount of mounts) {
      if (mount.fsType !== 'cgroup' || !mount.controllers.includes(controller)) continue;
      const folder = folderUnder(mount, line.path);
      if (folder !== undefined) return folder;
    }
    return undefined;
  };
  const v2Line = lines.find((l) => l.controllers.length === 0 && !l.path.startsWith('/..'));
  let v2Folder: string | undefined;
  if (v2Line) {
    for (const mount of mounts) {
      if (mount.fsType !== 'cgroup2') continue;
      v2Folder = folderUnder(mount, v2Line.path);
      if (v2Folder !== undefined) break;
    }
  }
  const memory1 = v1Folder('memory');
  const cpu1 = v1Folder('cpuacct');
  const location: CgroupLocation = {};
  if (memory1 !== undefined) location.memory = { version: 1, statFile: join(memory1, 'memory.stat') };
  else if (v2Folder !== undefined) location.memory = { version: 2, statFile: join(v2Folder, 'memory.stat') };
  if (cpu1 !== undefined) location.cpu = { version: 1, file: join(cpu1, 'cpuacct.usage') };
  else if (v2Folder !== undefined) location.cpu = { version: 2, file: join(v2Folder, 'cpu.stat') };
  // Every hierarchy holds the same processes; any folder's list will do.
  const procsFolder = memory1 ?? v2Folder ?? v1Folder('pids') ?? cpu1;
  if (procsFolder !== undefined) location.procsFile = join(procsFolder, 'cgroup.procs');
  return location;
}

/** `key value` lines (memory.stat, cpu.stat) as numbers. */
function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.split(' ');
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/**
 * What resource-growth calls RSS, from memory.stat: anonymous memory plus mapped file pages.
 * v1's total_* figures count the cgroup's children too (a hub that makes sub-cgroups); without
 * them (use_hierarchy off on an old kernel) the cgroup's own.
 */
export function memoryFromStat(version: 1 | 2, text: string): number | undefined {
  const stat = parseFlatKeyed(text);
  const [anon, mapped] = version === 1 ? (stat.has('total_rss') ? ['total_rss', 'total_mapped_file'] : ['rss', 'mapped_file']) : ['anon', 'file_mapped'];
  const a = stat.get(anon!);
  return a === undefined ? undefined : a + (stat.get(mapped!) ?? 0);
}

/** CPU used, ns, from cpuacct.usage (v1, ns) or cpu.stat's usage_usec (v2). */
export function cpuNsFrom(version: 1 | 2, text: string): number | undefined {
  if (version === 1) {
    const value = text.trim();
    return /^\d+$/.test(value) ? Number(value) : undefined;
  }
  const usec = parseFlatKeyed(text).get('usage_usec');
  return usec === undefined ? undefined : usec * 1_000;
}

/** Reads a located cgroup; a figure whose file cannot be read (gone, not enabled, not ours to read) is left out. */
export async function readCgroup(location: CgroupLocation): Promise<CgroupReading> {
  const read = (file: string | undefined) => (file === undefined ? Promise.resolve(undefined) : readFile(file, 'utf8').catch(() => undefined));
  const [memoryText, cpuText, procsText] = await Promise.all([read(location.memory?.statFile), read(location.cpu?.file), read(location.procsFile)]);
  const memoryBytes = memoryText === undefined ? undefined : memoryFromStat(location.memory!.version, memoryText);
  const cpuUsageNs = cpuText === undefined ? undefined : cpuNsFrom(location.cpu!.version, cpuText);
  const pids = (procsText ?? '')
    .split('\n')
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  return { ...(memoryBytes === undefined ? {} : { memoryBytes }), ...(cpuUsageNs === undefined ? {} : { cpuUsageNs }), pids };
}
