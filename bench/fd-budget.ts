import { readFileSync } from 'node:fs';

/**
 * Whether this machine lets the bench hold N connections over loopback.
 * Each connection costs a descriptor in the client's process and one in the
 * hub's (each its own process), a local port from the ephemeral range (the
 * hub listens on one address and port, so the client's ports must differ),
 * and two entries of the system-wide file table. Checked before anything
 * starts, so a too-large --agents or --sizes fails in a second with the
 * limit named, not minutes later as EMFILE inside a holder.
 */

/**
 * Descriptors a process needs besides its connections: stdio, IPC, epoll,
 * tsx's and the hub's own files (SQLite, the listener), Artillery's
 * modules and workers. Measured well under 100; four times that to spare.
 */
export const DESCRIPTOR_RESERVE = 400;

export interface DescriptorLimits {
  /** Open files per process. Node raises its soft limit to the hard one at start, and every process the bench starts is Node. */
  openFilesPerProcess: number;
  /** Local ports a client may connect from (net.ipv4.ip_local_port_range). */
  ephemeralPorts: number;
  /** Open files the whole system allows (fs.file-max), less those open now. */
  systemFilesFree: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** From /proc; a limit that cannot be read is taken as no limit. */
export function readDescriptorLimits(): DescriptorLimits {
  const limits = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(read('/proc/self/limits') ?? '');
  const ports = /^(\d+)\s+(\d+)/.exec(read('/proc/sys/net/ipv4/ip_local_port_range') ?? '');
  const fileNr = /^(\d+)\s+\d+\s+(\d+)/.exec(read('/proc/sys/fs/file-nr') ?? '');
  const number = (text: string | undefined): number => (text === undefined || text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
  return {
    openFilesPerProcess: number(limits?.[1]),
    ephemeralPorts: ports ? Number(ports[2]) - Number(ports[1]) + 1 : Number.POSITIVE_INFINITY,
    systemFilesFree: fileNr ? Number(fileNr[2]) - Number(fileNr[1]) : Number.POSITIVE_INFINITY,
  };
}

/** The most connections these limits allow one client to hold. */
export function maxConnections(limits: DescriptorLimits): number {
  return Math.floor(
    Math.min(
      limits.openFilesPerProcess - DESCRIPTOR_RESERVE,
      limits.ephemeralPorts - DESCRIPTOR_RESERVE, // the round-trip section and stragglers in TIME_WAIT take a few
      (limits.systemFilesFree - 2 * DESCRIPTOR_RESERVE) / 2,
    ),
  );
}

/** Why N connections do not fit, with the fix; undefined when they do. */
export function descriptorBudgetProblem(agents: number, limits: DescriptorLimits): { message: string; fix: string } | undefined {
  if (agents <= maxConnections(limits)) return undefined;
  const { openFilesPerProcess, ephemeralPorts, systemFilesFree } = limits;
  if (agents + DESCRIPTOR_RESERVE > openFilesPerProcess) {
    return {
      message: `${agents} connections need ${agents + DESCRIPTOR_RESERVE} open files in the client and in the hub, and a process may open ${openFilesPerProcess} here`,
      fix: `use at most ${maxConnections(limits)} connections, or raise the hard limit (ulimit -Hn, LimitNOFILE)`,
    };
  }
  if (agents + DESCRIPTOR_RESERVE > ephemeralPorts) {
    return {
      message: `${agents} connections to one hub need ${agents} local ports, and net.ipv4.ip_local_port_range has ${ephemeralPorts}`,
      fix: `use at most ${maxConnections(limits)} connections, or widen net.ipv4.ip_local_port_range`,
    };
  }
  return {
    message: `${agents} connections need ${2 * agents} files in the system's file table, and ${systemFilesFree} are free (fs.file-max)`,
    fix: `use at most ${maxConnections(limits)} connections, or raise fs.file-max`,
  };
}
