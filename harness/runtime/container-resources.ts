/**
 * A container's resources as the host sees them: memory and CPU from its
 * cgroup (cgroup.ts), its processes, their open descriptors and command lines
 * from /proc (process-tree.ts), since the engine runs them on this kernel.
 *
 * Why the cgroup for memory rather than the processes' VmRSS summed, as for a
 * --hub-cmd hub: a container's processes map binaries that live in the
 * image's layers, whose pages are charged to whoever read them first (the
 * image build), not to the container. Measured on the reference hub image,
 * idle: VmRSS summed 104.7 MiB (48 MiB of it node's own file pages), `docker
 * stats` 50.2 MiB, the cgroup's anon + mapped file 47.0 MiB, its anon alone
 * equal to the processes' RssAnon summed. The cgroup is what the container
 * holds, and its anon memory is what a leak grows; unmapped page cache (the
 * hub's database file on a bind mount) is left out, as it would otherwise
 * read as growth while the database grows. CPU from the cgroup too: ns
 * rather than 10 ms ticks, and every process in it counted, a `docker exec`
 * one included.
 */
import { readFile } from 'node:fs/promises';
import { locateCgroup, readCgroup, type CgroupLocation } from './cgroup.ts';
import { ProcessTreeReader, type ProcessTreeReading } from './process-tree.ts';

/** A running container to sample: the engine's id and name, and its first process's pid on this host (a new container: a new pid). */
export interface SampledContainer {
  /** The container's init process (docker inspect State.Pid), as this host's /proc numbers it. */
  pid: number;
  /** Full container id. */
  id: string;
  name: string;
}

export interface ContainerReading extends ProcessTreeReading {
  container: {
    id: string;
    name: string;
    /** 'cgroup': rssBytes is the cgroup's anon + mapped file memory; 'processes': VmRSS summed over its processes (its memory cgroup could not be read). */
    memory: 'cgroup' | 'processes';
  };
}

/**
 * Reads containers and remembers, per container, where its cgroup is and its CPU total at the
 * last read, so each read can say how many cores it used since. One reader per sampler.
 */
export class ContainerReader {
  readonly #processes = new ProcessTreeReader();
  /** Container id -> the pid its cgroup was found from, and where the cgroup is. */
  #located = new Map<string, { pid: number; location: CgroupLocation }>();
  #lastCpu = new Map<string, { ns: number; atMs: number }>();

  /** Undefined when the container is gone, or its pid is not one this host's /proc shows as the container's. */
  async read(container: SampledContainer): Promise<ContainerReading | undefined> {
    const location = await this.#locate(container);
    if (!location) return undefined;
    const atMs = performance.now();
    const cgroup = await readCgroup(location);
    // The cgroup's own list when readable; otherwise the init's tree, which in the container's
    // pid namespace holds every process but one started with `docker exec`.
    const reading = cgroup.pids.length > 0 ? await this.#processes.readGroup(container.pid, cgroup.pids) : await this.#processes.read(container.pid);
    if (!reading) return undefined;
    let cpuCores = reading.cpuCores;
    if (cgroup.cpuUsageNs !== undefined) {
      const previous = this.#lastCpu.get(container.id);
      this.#lastCpu.set(container.id, { ns: cgroup.cpuUsageNs, atMs });
      cpuCores = previous && atMs > previous.atMs ? Math.round((Math.max(0, cgroup.cpuUsageNs - previous.ns) / 1e6 / (atMs - previous.atMs)) * 1_000) / 1_000 : undefined;
    }
    const { cpuCores: _tree, ...rest } = reading;
    return {
      ...rest,
      rssBytes: cgroup.memoryBytes ?? reading.rssBytes,
      ...(cpuCores === undefined ? {} : { cpuCores }),
      container: { id: container.id, name: container.name, memory: cgroup.memoryBytes === undefined ? 'processes' : 'cgroup' },
    };
  }

  /** Forgets containers other than `keep` (call once per sampling round, with those read in it). */
  retain(keep: readonly SampledContainer[]): void {
    const ids = new Set(keep.map((c) => c.id));
    for (const id of this.#located.keys()) if (!ids.has(id)) this.#located.delete(id);
    for (const id of this.#lastCpu.keys()) if (!ids.has(id)) this.#lastCpu.delete(id);
    this.#processes.retain(new Set(keep.map((c) => c.pid)));
  }

  async #locate(container: SampledContainer): Promise<CgroupLocation | undefined> {
    const known = this.#located.get(container.id);
    if (known?.pid === container.pid) return known.location;
    const [procCgroup, mountinfo] = await Promise.all([readFile(`/proc/${container.pid}/cgroup`, 'utf8').catch(() => undefined), readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined)]);
    // The engine's pid is its host's: a harness in another pid namespace (itself in a container)
    // would find some other process there, or none. Every engine names the container's cgroup
    // by its id (docker/ID, docker-ID.scope, libpod-ID.scope).
    if (procCgroup === undefined || mountinfo === undefined || !procCgroup.includes(container.id)) return undefined;
    const location = locateCgroup(procCgroup, mountinfo);
    this.#located.set(container.id, { pid: container.pid, location });
    return location;
  }
}
