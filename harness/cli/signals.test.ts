import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { describeProcs, killAll, recordDescendants, survivorsAfter, type ProcInfo } from '../runtime/process-tree.test-support.ts';

/**
 * Signals as people send them: through `npm run scenario`, started in its own
 * process group the way a terminal starts a job. Ctrl-C is SIGINT to the whole
 * group (npm forwards it too, so the harness gets it twice); a CI cancel button
 * is often SIGTERM to npm alone; npm can also die under the harness.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const FOREIGN_HUB = fileURLToPath(new URL('../runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-signals-'));
const groups = new Set<number>();
const trees = new Set<ReturnType<typeof recordDescendants>>();
afterAll(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
  for (const tree of trees) killAll(tree.stop());
  rmSync(tmp, { recursive: true, force: true });
});

interface NpmRun {
  npm: ChildProcess;
  /** The run's own TMPDIR: the hub's temporary database folder goes there. */
  tmpDir: string;
  reportDir: string;
  stderr(): string;
  waitForStderr(pattern: RegExp): Promise<void>;
  /** npm's exit code (its signal as `signal:NAME`), once npm and every process holding its output are gone. */
  closed: Promise<number | string | null>;
  descendants(): ProcInfo[];
}

function npmScenario(name: string, args: string[]): NpmRun {
  const dir = join(tmp, name);
  const tmpDir = join(dir, 'tmp');
  const reportDir = join(dir, 'report');
  mkdirSync(tmpDir, { recursive: true });
  const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
  const npm = spawn('npm', ['run', 'scenario', '--', ...args, '--report-dir', reportDir], {
    cwd: REPO_ROOT,
    env: { ...env, TMPDIR: tmpDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.add(npm.pid!);
  const tree = recordDescendants(npm.pid!, 50);
  trees.add(tree);
  let stderr = '';
  const waiters = new Set<() => void>();
  npm.stdout!.resume();
  npm.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const w of waiters) w();
  });
  // 'close' waits for every holder of the pipes, so a harness orphaned by npm is waited for too.
  const closed = new Promise<number | string | null>((done) => npm.on('close', (code, signal) => done(signal ? `signal:${signal}` : code)));
  void closed.then(() => groups.delete(npm.pid!));
  return {
    npm,
    tmpDir,
    reportDir,
    stderr: () => stderr,
    closed,
    descendants: () => tree.seen(),
    waitForStderr: (pattern) =>
      new Promise((done, fail) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          waiters.delete(check);
          done();
        };
        waiters.add(check);
        check();
        void closed.then(() => {
          if (waiters.delete(check)) fail(new Error(`npm exited before stderr matched ${pattern}:\n${stderr}`));
        });
      }),
  };
}

const STEADY = /^\[\s*[\d.]+ m?s\] steady /m;

async function expectInterruptedAndClean(run: NpmRun): Promise<void> {
  const seen = run.descendants();
  expect(seen.some((p) => p.cmdline.includes('harness/cli/main.ts')), `processes below npm: ${describeProcs(seen).join('; ')}`).toBe(true);
  expect(describeProcs(await survivorsAfter(seen)), 'processes that outlived the run').toEqual([]);
  const summary = JSON.parse(readFileSync(join(run.reportDir, 'summary.json'), 'utf8')) as { verdict: string };
  expect(summary.verdict).toBe('interrupted');
  expect(existsSync(join(run.reportDir, 'events.ndjson'))).toBe(true);
  expect(readdirSync(run.tmpDir).filter((f) => f.startsWith('edge-chaos-hub-')), 'temporary hub folders left').toEqual([]);
  expect(run.stderr()).not.toContain('without cleanup');
}

describe.concurrent('signals through npm run scenario', () => {
  test('one Ctrl-C (SIGINT to the process group): the run stops, cleans up, writes the report, npm exits 2', async () => {
    const run = npmScenario('ctrl-c', ['loop', '--duration', '60s', '--agents', '3', '--seed', '7']);
    await run.waitForStderr(STEADY);
    process.kill(-run.npm.pid!, 'SIGINT');
    expect(await run.closed, run.stderr()).toBe(2);
    expect(run.stderr().match(/stopping the run/g), run.stderr()).toHaveLength(1);
    await expectInterruptedAndClean(run);
  }, 60_000);

  test('SIGTERM to the npm process alone (a CI cancel button) does the same', async () => {
    const run = npmScenario('sigterm-npm', ['loop', '--duration', '60s', '--agents', '3', '--seed', '8']);
    await run.waitForStderr(STEADY);
    process.kill(run.npm.pid!, 'SIGTERM');
    expect(await run.closed, run.stderr()).toBe(2);
    expect(run.stderr()).toContain('SIGTERM: stopping the run');
    await expectInterruptedAndClean(run);
  }, 60_000);

  test('the same SIGINT twice in a moment (the terminal and npm or tsx forwarding it) is one Ctrl-C, not a forced exit', async () => {
    const run = npmScenario('sigint-twice', ['loop', '--duration', '60s', '--agents', '3', '--seed', '10']);
    await run.waitForStderr(STEADY);
    const harness = run.descendants().find((p) => p.cmdline.includes('harness/cli/main.ts'))!;
    process.kill(harness.pid, 'SIGINT');
    process.kill(harness.pid, 'SIGINT');
    expect(await run.closed, run.stderr()).toBe(2);
    await expectInterruptedAndClean(run);
  }, 60_000);

  test('npm killed outright: the harness notices it is orphaned and stops cleanly', async () => {
    const run = npmScenario('npm-killed', ['loop', '--duration', '60s', '--agents', '3', '--seed', '9']);
    await run.waitForStderr(STEADY);
    process.kill(run.npm.pid!, 'SIGKILL');
    await run.closed;
    expect(run.stderr()).toMatch(/parent process .* is gone: stopping the run/);
    await expectInterruptedAndClean(run);
  }, 60_000);

  test('a second Ctrl-C once cleanup is under way and says so forces the exit; the hub is still killed', async () => {
    // A hub that drains for a minute after SIGTERM keeps the cleanup busy (its grace period is 10 s).
    const run = npmScenario('force', ['loop', '--hub-cmd', `node ${FOREIGN_HUB} --linger-ms 60000`, '--duration', '60s', '--agents', '2', '--seed', '3']);
    await run.waitForStderr(STEADY);
    process.kill(-run.npm.pid!, 'SIGINT');
    await run.waitForStderr(/press Ctrl-C again/);
    process.kill(-run.npm.pid!, 'SIGINT');
    expect(await run.closed, run.stderr()).toBe(2);
    expect(run.stderr()).toContain('exiting without cleanup');
    const seen = run.descendants();
    expect(seen.some((p) => p.cmdline.includes('foreign-hub.mjs')), `processes below npm: ${describeProcs(seen).join('; ')}`).toBe(true);
    expect(describeProcs(await survivorsAfter(seen)), 'processes that outlived the forced exit').toEqual([]);
  }, 60_000);
});
