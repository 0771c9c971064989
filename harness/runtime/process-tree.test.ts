import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { clockTicksPerSecond, ProcessTreeReader } from './process-tree.ts';

const hasProc = existsSync('/proc/self/stat');
const MIB = 1024 * 1024;
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // the shell and all it started
    } catch {
      // already gone
    }
  }
});

/**
 * `sh -c SCRIPT` in its own process group, its output read line by line.
 * dash (Debian's sh) forks for the last command rather than exec it, so a
 * node started by the script is the shell's child, as a --hub-cmd hub is.
 */
function shell(script: string): { proc: ChildProcess; line(pattern: RegExp): Promise<string> } {
  const proc = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(proc);
  let buffered = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (buffered += chunk));
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = buffered.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`exited before printing ${pattern}; output: ${buffered}`);
      await once(proc.stdout!, 'data');
    }
  };
  return { proc, line };
}

/** A node child that prints "ready", allocates (and touches) MiB on each stdin line, printing "held N". */
const ALLOCATOR = `/* tree-test-marker */
  const held = [];
  process.stdin.setEncoding('utf8').on('data', (text) => {
    for (const mib of text.split('\\n').filter(Boolean).map(Number)) held.push(Buffer.alloc(mib * 1024 * 1024, 1));
    console.log('held ' + held.length);
  });
  console.log('ready ' + process.pid);
`;

test('clock ticks per second: what getconf says, a positive integer (100 on Linux)', async () => {
  const hz = await clockTicksPerSecond();
  expect(Number.isInteger(hz) && hz > 0).toBe(true);
  if (hasProc) expect(hz).toBe(100);
});

test.runIf(hasProc)('sums RSS and descriptors over sh -c and the node it runs, and names both with their command lines', async () => {
  const { proc, line } = shell(`${process.execPath} -e "${ALLOCATOR.replace(/"/g, '\\"')}"`);
  const nodePid = Number((await line(/^ready \d+$/)).split(' ')[1]);
  const reader = new ProcessTreeReader();
  const before = (await reader.read(proc.pid!))!;
  expect(before.processes[0]).toEqual({ pid: proc.pid, command: expect.stringMatching(/^\/bin\/sh -c /) });
  expect(before.processes).toContainEqual({ pid: nodePid, command: expect.stringMatching(/^\S*node -e \/\* tree-test-marker \*\/ const held = \[\];/) });
  expect(before.processes).toHaveLength(2);
  expect(before.handles).toBeGreaterThanOrEqual(6); // stdin, stdout, stderr of each at least
  expect(before.cpuCores).toBeUndefined(); // the first read of a root has no interval behind it

  proc.stdin!.write('64\n');
  await line(/^held 1$/);
  const after = (await reader.read(proc.pid!))!;
  // The shell's own memory does not move; the child's 64 MiB is in the tree's sum.
  expect((after.rssBytes - before.rssBytes) / MIB).toBeGreaterThan(60);
  expect(after.cpuCores).toBeGreaterThanOrEqual(0);
});

test.runIf(hasProc)('counts CPU of a child the shell has already reaped: the tree total does not drop when a process exits', async () => {
  // The child spins until it has used 300 ms of CPU, then exits; the shell reaps it and waits on.
  const spin = `const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 300000) break; }`;
  const { proc, line } = shell(`read go; ${process.execPath} -e "${spin}"; echo spun; read never`);
  const reader = new ProcessTreeReader();
  const t0 = performance.now();
  expect((await reader.read(proc.pid!))!.cpuCores).toBeUndefined();
  proc.stdin!.write('go\n');
  await line(/^spun$/);
  const reading = (await reader.read(proc.pid!))!;
  const outerSeconds = (performance.now() - t0) / 1_000;
  expect(reading.processes.map((p) => p.pid)).toEqual([proc.pid]); // the spinner is gone
  // cpuCores is over the reads' own interval, inside the outer one: times the outer, at least the 300 ms spun (10 ms ticks).
  expect(reading.cpuCores! * outerSeconds).toBeGreaterThanOrEqual(0.28);
  expect(reading.cpuCores!).toBeLessThanOrEqual(2.5);
});

test.runIf(hasProc)('a root that exited reads as undefined, and a new root starts without a CPU figure', async () => {
  const { proc } = shell('read never');
  const reader = new ProcessTreeReader();
  expect(await reader.read(proc.pid!)).toMatchObject({ processes: [{ pid: proc.pid }] });
  proc.kill('SIGKILL');
  await once(proc, 'exit');
  expect(await reader.read(proc.pid!)).toBeUndefined();
  const next = shell('read never');
  expect((await reader.read(next.proc.pid!))!.cpuCores).toBeUndefined();
});
