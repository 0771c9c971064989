import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { ResourceSampleEvent } from '../history/events.ts';
import { ContainerReader } from './container-resources.ts';
import { containerExists, dockerGate, useProjectImage } from './docker/test-support.ts';
import { freePort } from './free-port.ts';
import { startResourceSampler } from './resources.ts';

/**
 * A container hub's resources, read from its cgroup and its processes as the host sees them,
 * where a Docker engine answers: the project image's reference hub, as the container hub
 * runtime starts it, sampled by the run's sampler for a few seconds.
 */
const gate = await dockerGate();
const run = promisify(execFile);
const MIB = 1024 * 1024;

/** `docker stats`' memory figure, MiB ("49.96MiB / 23.54GiB"). */
async function dockerStatsMemoryMiB(id: string): Promise<number> {
  const { stdout } = await run('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', id]);
  const match = /^([\d.]+)(KiB|MiB|GiB)/.exec(stdout.trim());
  if (!match) throw new Error(`docker stats said ${stdout}`);
  return Number(match[1]) * { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[match[2] as 'KiB' | 'MiB' | 'GiB'];
}

describe.skipIf(gate.skip || !existsSync('/proc/self/mountinfo'))(`a container hub's resources${gate.suffix}`, () => {
  const image = useProjectImage();

  test("sampled as component 'hub': its cgroup's memory and CPU, its processes named with the container; nothing left after", async () => {
    const { HostContainer } = await import('./docker/container.ts');
    const { referenceHubArgs } = await import('./hubs/reference-args.ts');
    const events: ResourceSampleEvent[] = [];
    let id = '';
    {
      const port = await freePort();
      const hub = await new HostContainer(image()).withPort(port).withHttpWait('/healthz').withCommand(['node', ...referenceHubArgs({ port })]).start();
      try {
        id = hub.id;
        expect(hub.pid).toBeGreaterThan(0);
        const t0 = performance.now();
        const sampler = startResourceSampler({ intervalMs: 250, clock: () => performance.now() - t0, sink: (e) => e.type === 'resource.sample' && events.push(e), children: { hub: () => ({ pid: hub.pid, id: hub.id, name: hub.name }) } });
        // Some work for the hub between samples, so its CPU is not only idle timers.
        const until = performance.now() + 3_000;
        while (performance.now() < until) await fetch(`${hub.url}/healthz`).then((r) => r.arrayBuffer());
        await sampler.stop();

        // Against the engine's own figure, read back to back with ours (GC moves both).
        const reader = new ContainerReader();
        const ours = await reader.read({ pid: hub.pid, id: hub.id, name: hub.name });
        const theirsMiB = await dockerStatsMemoryMiB(hub.id);
        expect(ours?.container.memory).toBe('cgroup');
        expect(ours!.rssBytes / MIB / theirsMiB, `cgroup ${(ours!.rssBytes / MIB).toFixed(1)} MiB, docker stats ${theirsMiB} MiB`).toBeGreaterThan(0.7);
        expect(ours!.rssBytes / MIB / theirsMiB).toBeLessThan(1.3);
      } finally {
        await hub.stop();
      }
    }
    expect(containerExists(id), 'the container after stop()').toBe(false);

    const hub = events.filter((e) => e.component === 'hub');
    expect(hub.length).toBeGreaterThanOrEqual(8);
    expect(new Set(hub.map((s) => s.pid)).size).toBe(1);
    expect(hub.every((s) => s.rssBytes > 10 * MIB)).toBe(true);
    expect(hub[0]!.cpuCores).toBeUndefined(); // no interval behind the first
    expect(hub.slice(1).every((s) => typeof s.cpuCores === 'number' && s.cpuCores >= 0)).toBe(true);
    expect(hub.slice(1).some((s) => s.cpuCores! > 0)).toBe(true);
    expect(hub.every((s) => (s.handles ?? 0) > 0)).toBe(true);
    expect(hub[0]!.container).toMatchObject({ id, memory: 'cgroup', name: expect.stringMatching(/^\S+$/) });
    // Docker's init first (the pid the engine reports), then the hub's node below it.
    expect(hub[0]!.processes?.[0]).toEqual({ pid: hub[0]!.pid, command: expect.stringMatching(/docker-init/) });
    expect(hub[0]!.processes).toContainEqual({ pid: expect.any(Number), command: expect.stringMatching(/^node .*server\/main\.ts/) });
  }, 120_000);
});
