import { readFileSync } from 'node:fs';

/** One reading of the whole machine over the interval since the previous one. */
export interface MachineReading {
  cores: number;
  busyShare: number;
  runQueue: number;
}

interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * Reads how busy the machine is from /proc/stat: the share of all cores'
 * time spent busy since the previous read (user, nice, system, irq, softirq,
 * steal; idle and iowait are not busy) and the runnable tasks right now. The
 * first read only sets the baseline and returns undefined; so does every read
 * where there is no /proc (not Linux), so the sampler leaves the machine out
 * rather than reporting an idle one.
 *
 * A read costs one small synchronous read of a kernel-made file (tens of
 * microseconds), which keeps the run queue it reports the one at the sample.
 */
export function machineReader(path = '/proc/stat'): () => MachineReading | undefined {
  let previous: CpuTimes | undefined;
  let unavailable = false;
  return () => {
    if (unavailable) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      unavailable = true;
      return undefined;
    }
    const parsed = parseProcStat(text);
    if (!parsed) {
      unavailable = true;
      return undefined;
    }
    const before = previous;
    previous = parsed.times;
    if (!before) return undefined;
    const total = parsed.times.total - before.total;
    // Two reads within one clock tick: nothing elapsed to share out.
    if (total <= 0) return undefined;
    const busyShare = Math.min(1, Math.max(0, (parsed.times.busy - before.busy) / total));
    return { cores: parsed.cores, busyShare: Math.round(busyShare * 1_000) / 1_000, runQueue: parsed.runQueue };
  };
}

/** The aggregate `cpu` line, the count of `cpuN` lines and procs_running, less the reader itself (it is running as it reads). */
export function parseProcStat(text: string): { times: CpuTimes; cores: number; runQueue: number } | undefined {
  let times: CpuTimes | undefined;
  let cores = 0;
  let running: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice already).
      const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
      if ([user, nice, system, idle].some((n) => n === undefined || !Number.isFinite(n))) return undefined;
      const busy = user! + nice! + system! + irq + softirq + steal;
      times = { busy, total: busy + idle! + iowait };
    } else if (/^cpu\d+ /.test(line)) cores++;
    else if (line.startsWith('procs_running ')) running = Number(line.slice('procs_running '.length));
  }
  if (!times || cores === 0 || running === undefined || !Number.isFinite(running)) return undefined;
  return { times, cores, runQueue: Math.max(0, running - 1) };
}
