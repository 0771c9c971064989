import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { describeProcs, killAll, recordDescendants, survivorsAfter, type ProcInfo } from '../runtime/process-tree.test-support.ts';

/**
 * No process outlives a CLI run, also when it is interrupted or fails half
 * way. The kernel's process table is the witness: every process below the
 * CLI is recorded while it runs, and each must be gone once it has exited.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const START_ONCE = fileURLToPath(new URL('../runtime/hubs/fixtures/start-once.sh', import.meta.url));
const FOREIGN_HUB = fileURLToPath(new URL('../runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));
const REDEPLOY_ONCE = fileURLToPath(new URL('./fixtures/redeploy-once.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-leftovers-'));
const trees = new Set<ReturnType<typeof recordDescendants>>();
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  // A failed assertion must not leave its leak running into the next suite.
  for (const tree of trees) killAll(tree.stop());
  rmSync(tmp, { recursive: true, force: true });
});

interface CliRun {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves with the first stderr match. */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** Every process seen below the CLI until it exited. */
  descendants: Promise<ProcInfo[]>;
  /** Every process seen below the CLI so far. */
  seen(): ProcInfo[];
}

function startCli(args: string[]): CliRun {
  const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tree = recordDescendants(child.pid!);
  trees.add(tree);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const descendants = exited.then(() => {
    children.delete(child);
    return tree.stop();
  });
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    descendants,
    seen: () => tree.seen(),
    waitForStderr: (pattern) =>
      new Promise((done, fail) => {
        const check = () => {
          const match = pattern.exec(stderr);
          if (!match) return;
          waiters.delete(check);
          done(match);
        };
        waiters.add(check);
        check();
        void exited.then(() => {
          if (waiters.delete(check)) fail(new Error(`the CLI exited before stderr matched ${pattern}:\n${stderr}\n${stdout}`));
        });
      }),
  };
}

describe.concurrent('the CLI leaves no process behind', () => {
  test('Ctrl-C (SIGINT) during a child-process redeploy run: exit 2, the report is written, every process it started is gone', async () => {
    const reportDir = join(tmp, 'interrupted');
    const run = startCli(['redeploy', '--hub-runtime', 'child-process', '--duration', '30s', '--agents', '4', '--seed', '6', '--report-dir', reportDir]);
    // A progress line in the steady phase: hub, proxy and fleet are all up.
    await run.waitForStderr(/^\[\s*[\d.]+ m?s\] steady /m);
    const during = recordDescendants(run.child.pid!).stop();
    expect(during.filter((p) => p.cmdline.includes('server/main.ts')), `processes below the CLI: ${describeProcs(during).join('; ')}`).toHaveLength(1);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(2);
    expect(run.stderr()).toContain('SIGINT: stopping the run and cleaning up');
    const seen = await run.descendants;
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(describeProcs(await survivorsAfter(seen)), 'processes that outlived the interrupted CLI').toEqual([]);
    const summary = JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')) as { verdict: string };
    expect(summary.verdict).toBe('interrupted');
    expect(existsSync(join(reportDir, 'events.ndjson'))).toBe(true);
  }, 60_000);

  // BUG-PINNING for the exit code (see harness/checks/recovery-redeploy.test.ts):
  // a redeploy whose hub never comes back is recorded, but no check fails and
  // the CLI exits 0. The cleanup half of this test passes today.
  test('a --hub-cmd hub whose restart fails half way: hub.redeploy.failed recorded, no process left behind, exit 1', async () => {
    const reportDir = join(tmp, 'restart-fails');
    const marker = join(tmp, 'started-once');
    const run = startCli([REDEPLOY_ONCE, '--hub-cmd', `sh ${START_ONCE} ${marker}`, '--seed', '2', '--report-dir', reportDir]);
    const code = await run.exited;
    expect(run.stderr()).not.toContain('error:');
    expect(existsSync(marker), 'the hub started once').toBe(true);
    const seen = await run.descendants;
    expect(seen.some((p) => p.cmdline.includes('foreign-hub.mjs')), `processes below the CLI: ${describeProcs(seen).join('; ')}`).toBe(true);
    expect(describeProcs(await survivorsAfter(seen)), 'processes that outlived the CLI').toEqual([]);
    const events = readFileSync(join(reportDir, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; error?: string });
    const failed = events.filter((e) => e.type === 'hub.redeploy.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: 'deploy-1' });
    expect(failed[0]!.error).toContain('refusing to start again');
    expect(code, run.stdout()).toBe(1);
    expect(run.stdout()).toMatch(/FAILED: \d+ of \d+ hub checks failed/);
  }, 60_000);

  // BUG (harness/runtime/managed-process.ts stop()): once the group leader
  // (`/bin/sh -c CMD`, which dash does not replace with the command) exits,
  // stop() resolves and cancels the SIGKILL that should end the group after
  // the grace period, and the exit hook forgets the group: a hub that drains
  // slowly after SIGTERM outlives the run.
  test('a --hub-cmd hub that drains for a minute after SIGTERM does not outlive the CLI (SIGKILL after the grace period)', async () => {
    const reportDir = join(tmp, 'slow-drain');
    const run = startCli(['loop', '--hub-cmd', `node ${FOREIGN_HUB} --linger-ms 60000`, '--agents', '2', '--duration', '2s', '--seed', '3', '--report-dir', reportDir]);
    // The run takes about 4 s and a graceful stop gets 10 s before SIGKILL:
    // the CLI should be gone well within 30 s. (Today it prints its summary and
    // then waits for the orphaned hub: a 20 s drain holds it 20 s, a minute a minute.)
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'still running'>((done) => (timer = setTimeout(() => done('still running'), 30_000)));
    const code = await Promise.race([run.exited, bound]).finally(() => clearTimeout(timer));
    expect(code, `the CLI's exit; processes below it: ${describeProcs(run.seen()).join('; ')}`).toBe(0);
    const seen = await run.descendants;
    expect(seen.some((p) => p.cmdline.includes('foreign-hub.mjs')), `processes below the CLI: ${describeProcs(seen).join('; ')}`).toBe(true);
    expect(describeProcs(await survivorsAfter(seen, 5_000)), 'processes that outlived the CLI').toEqual([]);
  }, 60_000);
});
