import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { expect, test } from 'vitest';
import { machineReader, parseProcStat } from './machine.ts';

test('parses the cpu line, counts the cores and takes the reader itself out of the run queue', () => {
  const text = ['cpu  100 10 50 800 40 0 5 0 0 0', 'cpu0 50 5 25 400 20 0 2 0 0 0', 'cpu1 50 5 25 400 20 0 3 0 0 0', 'intr 1 2 3', 'procs_running 3', 'procs_blocked 0'].join('\n');
  expect(parseProcStat(text)).toEqual({ times: { busy: 165, total: 1005 }, cores: 2, runQueue: 2 });
  expect(parseProcStat('cpu  a b c d\ncpu0 1 2 3 4\nprocs_running 1')).toBeUndefined();
  expect(parseProcStat('nothing here')).toBeUndefined();
});

test('a missing /proc/stat gives no readings rather than an idle machine', () => {
  const read = machineReader('/nonexistent/stat');
  expect(read()).toBeUndefined();
  expect(read()).toBeUndefined();
});

test.runIf(existsSync('/proc/stat'))('sees this machine get busy while a process spins on every core', async () => {
  const read = machineReader();
  expect(read()).toBeUndefined(); // the baseline
  const spinners = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', 'const end = Date.now() + 3_000; while (Date.now() < end);'], { stdio: 'ignore' }));
  try {
    await Promise.all(spinners.map((s) => once(s, 'spawn')));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const reading = read()!;
    // Four spinners on this machine's cores: well past half busy whatever else runs, and more runnable than cores is likely but not certain.
    expect(reading.busyShare).toBeGreaterThan(0.5);
    expect(reading.runQueue).toBeGreaterThanOrEqual(1);
  } finally {
    for (const s of spinners) s.kill('SIGKILL');
    await Promise.all(spinners.map((s) => (s.exitCode === null && s.signalCode === null ? once(s, 'exit') : undefined)));
  }
});
