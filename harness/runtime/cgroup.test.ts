import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { cpuNsFrom, locateCgroup, memoryFromStat, parseCgroupMounts, readCgroup } from './cgroup.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function files(folder: string, contents: Record<string, string>): Promise<void> {
  await mkdir(folder, { recursive: true });
  await Promise.all(Object.entries(contents).map(([name, text]) => writeFile(join(folder, name), text)));
}

// Abridged from a v2 machine's memory.stat and cpu.stat.
const V2_MEMORY_STAT = 'anon 52428800\nfile 10485760\nkernel 3145728\nshmem 0\nfile_mapped 1048576\nfile_dirty 0\nanon_thp 0\ninactive_file 8388608\n';
const V2_CPU_STAT = 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 0\n';

test('v2 (unified): a hand-made layout is found from /proc/PID/cgroup and mountinfo, and read', async () => {
  dir = await mkdtemp(join(tmpdir(), 'cgroup-v2-'));
  const scope = join(dir, 'system.slice', 'docker-0123abcd.scope');
  await files(scope, { 'memory.stat': V2_MEMORY_STAT, 'cpu.stat': V2_CPU_STAT, 'cgroup.procs': '4100\n4123\n' });
  const mountinfo = `22 1 0:21 / /proc rw,nosuid - proc proc rw\n30 22 0:26 / ${dir} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;

  const location = locateCgroup('0::/system.slice/docker-0123abcd.scope\n', mountinfo);
  expect(location).toEqual({ memory: { version: 2, statFile: join(scope, 'memory.stat') }, cpu: { version: 2, file: join(scope, 'cpu.stat') }, procsFile: join(scope, 'cgroup.procs') });
  // anon + file_mapped; the unmapped page cache and kernel memory are left out.
  expect(await readCgroup(location)).toEqual({ memoryBytes: 52428800 + 1048576, cpuUsageNs: 2_500_000_000, pids: [4100, 4123] });
});

test('v2 without the memory controller in that folder: memory is left out, CPU and processes are read', async () => {
  dir = await mkdtemp(join(tmpdir(), 'cgroup-v2-'));
  await files(join(dir, 'c'), { 'cpu.stat': V2_CPU_STAT, 'cgroup.procs': '7\n' });
  const location = locateCgroup('0::/c\n', `30 22 0:26 / ${dir} rw - cgroup2 cgroup2 rw\n`);
  expect(await readCgroup(location)).toEqual({ cpuUsageNs: 2_500_000_000, pids: [7] });
});

test('v1 and hybrid (this machine: one mount per controller, cgroup2 beside them): the v1 controllers are read, hierarchical totals first', async () => {
  dir = await mkdtemp(join(tmpdir(), 'cgroup-v1-'));
  const id = 'docker/58b0e068332d';
  await files(join(dir, 'memory', id), { 'memory.stat': 'cache 221184\nrss 67690496\nmapped_file 32768\ntotal_cache 221184\ntotal_rss 70000000\ntotal_mapped_file 40960\n', 'cgroup.procs': '10054\n10064\n10078\n' });
  await files(join(dir, 'cpuacct', id), { 'cpuacct.usage': '1417668734\n' });
  await files(join(dir, 'unified', id), { 'cpu.stat': V2_CPU_STAT, 'cgroup.procs': '10054\n10064\n10078\n' });
  // Mount points with a space, written the way mountinfo escapes them.
  const mountinfo = [
    `30 22 0:27 / ${dir} rw,relatime - tmpfs tmpfs rw,mode=755`,
    `31 30 0:28 / ${dir}/cpu rw,relatime - cgroup cgroup rw,cpu`,
    `32 30 0:29 / ${dir}/cpuacct rw,relatime - cgroup cgroup rw,cpuacct`,
    `34 30 0:31 / ${dir}/memory rw,relatime - cgroup cgroup rw,memory`,
    `39 30 0:36 / ${dir}/systemd rw,relatime - cgroup cgroup rw,name=systemd`,
    `40 30 0:37 / ${dir}/unified rw,relatime - cgroup2 cgroup2 rw`,
  ].join('\n');
  const procCgroup = ['9:name=systemd:/', '4:memory:/' + id, '2:cpuacct:/' + id, '1:cpu:/' + id, '0::/' + id].join('\n');

  const location = locateCgroup(procCgroup, mountinfo);
  expect(location).toEqual({ memory: { version: 1, statFile: join(dir, 'memory', id, 'memory.stat') }, cpu: { version: 1, file: join(dir, 'cpuacct', id, 'cpuacct.usage') }, procsFile: join(dir, 'memory', id, 'cgroup.procs') });
  expect(await readCgroup(location)).toEqual({ memoryBytes: 70000000 + 40960, cpuUsageNs: 1417668734, pids: [10054, 10064, 10078] });
});

test('a v1 mount of a sub-tree, co-mounted controllers and escaped mount points', async () => {
  dir = await mkdtemp(join(tmpdir(), 'cgroup v1 '));
  const escaped = dir.replace(/ /g, '\\040');
  expect(parseCgroupMounts(`31 30 0:28 /outer ${escaped}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n`)).toEqual([{ fsType: 'cgroup', root: '/outer', mountPoint: `${dir}/cpu,cpuacct`, controllers: ['rw', 'cpu', 'cpuacct'] }]);
  const location = locateCgroup('3:cpu,cpuacct:/outer/inner\n', `31 30 0:28 /outer ${escaped}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n`);
  expect(location).toEqual({ cpu: { version: 1, file: join(dir, 'cpu,cpuacct', 'inner', 'cpuacct.usage') }, procsFile: join(dir, 'cpu,cpuacct', 'inner', 'cgroup.procs') });
  // A cgroup outside the mounted sub-tree is not found through it.
  expect(locateCgroup('3:cpu,cpuacct:/elsewhere\n', `31 30 0:28 /outer ${escaped}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n`)).toEqual({});
});

test('memory.stat and CPU files: which figures, and nothing invented from a file that lacks them', () => {
  expect(memoryFromStat(1, 'rss 100\nmapped_file 20\ncache 5000\n')).toBe(120); // no total_*: the cgroup's own
  expect(memoryFromStat(2, 'file 5000\n')).toBeUndefined();
  expect(cpuNsFrom(1, '123\n')).toBe(123);
  expect(cpuNsFrom(1, '')).toBeUndefined();
  expect(cpuNsFrom(2, 'user_usec 3\n')).toBeUndefined();
});

test.runIf(existsSync('/proc/self/mountinfo'))('this machine: this process is found in its own cgroup, with the CPU it has used', async () => {
  const location = locateCgroup(await readFile('/proc/self/cgroup', 'utf8'), await readFile('/proc/self/mountinfo', 'utf8'));
  expect(location.cpu, JSON.stringify(location)).toBeDefined();
  const reading = await readCgroup(location);
  expect(reading.cpuUsageNs).toBeGreaterThan(0);
  if (reading.pids.length > 0) expect(reading.pids).toContain(process.pid);
});
