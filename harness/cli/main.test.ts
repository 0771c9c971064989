import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-cli-'));
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a small regular file and returns its path. */
function writeFileReturning(path: string): string {
  writeFileSync(path, 'not a folder');
  return path;
}

/** Runs the CLI as a user would (node + tsx, from the repo root) and collects what it printed. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return cliWith({}, ...args);
}

/** The same, with extra environment variables. */
function cliWith(extraEnv: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A test run must not pick up a developer's Toxiproxy or write into CI's job summary.
  const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

// The runs are separate processes with their own hubs on free ports, so they run side by side.
describe.concurrent('the CLI, end to end', () => {
  test('`loop --duration 4s --agents 3` exits 0 and writes summary.json, junit.xml and events.ndjson', async () => {
    const reportDir = join(tmp, 'green');
    const run = await cli('loop', '--duration', '4s', '--agents', '3', '--seed', '5', '--report-dir', reportDir);
    expect(run.stderr).not.toContain('error:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('PASSED');
    expect(run.stdout).toContain(`report: ${reportDir}`);
    expect(run.stdout).toContain('replay: npm run scenario loop -- --agents 3 --duration 4s --seed 5');

    const summary = JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')) as Record<string, unknown> & { checks: { id: string; status: string }[] };
    expect(summary).toMatchObject({ tool: 'edge-chaos', schemaVersion: 1, verdict: 'passed', params: { agents: 3, durationMs: 4_000, seed: '5' } });
    expect(summary).not.toHaveProperty('events');
    expect(summary.checks.length).toBeGreaterThan(0);

    const junit = readFileSync(join(reportDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(summary.checks.length);
    for (const c of summary.checks) expect(junit).toContain(`name="${c.id}: `);
    expect(junit).toContain('failures="0"');

    const events = readFileSync(join(reportDir, 'events.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; agent?: string });
    expect(new Set(events.filter((e) => e.type === 'ws.open').map((e) => e.agent))).toEqual(new Set(['agent-1', 'agent-2', 'agent-3']));
    expect(existsSync(join(reportDir, 'hub-metrics.txt'))).toBe(true);
    expect(readFileSync(join(reportDir, 'agent-logs', 'agent-1.log'), 'utf8')).toContain('WebSocket connected');
  });

  test('`loop --duration 5s --agents 3 --defect duplicate-ws-handler` exits 1 and names the loop', async () => {
    const reportDir = join(tmp, 'red');
    const run = await cli('loop', '--duration', '5s', '--agents', '3', '--defect', 'duplicate-ws-handler', '--seed', '6', '--report-dir', reportDir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+connection-loop\s+connection loop: 3\/3 agents/);
    expect(run.stdout).toContain('1000 "New connection established"');
    expect(run.stdout).toContain('--defect duplicate-ws-handler');
    const junit = readFileSync(join(reportDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure message="connection loop[^"]*" type="connection-loop">/);
  });

  test('an unknown scenario exits 2 with an "error:" line and a "fix:" line', async () => {
    const run = await cli('nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*nope/m);
    expect(run.stderr).toMatch(/^fix: .+/m);
    expect(run.stdout).toBe('');
  });

  test('a usage error exits 2 with "error:" and "fix:" lines, before anything starts', async () => {
    const run = await cli('loop', '--agents', '0');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*--agents/m);
    expect(run.stderr).toMatch(/^fix: .+/m);
  });
});

/** Exactly two lines on stderr, "error: ..." naming `named`, then "fix: ...": no stack trace. */
function expectCauseAndFix(stderr: string, named: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(named);
  expect(lines[1]).toMatch(/^fix: .+/);
}

describe.concurrent('start-up failures exit 2 with cause and fix', () => {
  test('an unknown --defect is refused before any hub starts, naming the valid ones', async () => {
    const run = await cli('loop', '--defect', 'no-such-defect', '--agents', '1', '--duration', '1s');
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, /no-such-defect/);
    expect(run.stderr).toContain('duplicate-ws-handler');
    expect(run.stdout).toBe('');
  });

  test('an unknown --agent-defect likewise', async () => {
    const run = await cli('loop', '--agent-defect', 'sleepy', '--agents', '1', '--duration', '1s');
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, /sleepy/);
    expect(run.stderr).toContain('no-jitter');
  });

  test('a Toxiproxy that does not answer names the part and the address', async () => {
    const run = await cli('latency', '--toxiproxy', 'http://127.0.0.1:9', '--agents', '1', '--duration', '1s');
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, /Toxiproxy \(url\).*127\.0\.0\.1:9/);
  });

  test('a Docker engine that does not answer names the part (a container Toxiproxy)', async () => {
    const run = await cliWith({ DOCKER_HOST: `unix://${join(tmp, 'no-docker.sock')}` }, 'latency', '--toxiproxy', 'container', '--agents', '1', '--duration', '1s');
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, /Toxiproxy \(container\)/);
  });

  // The run is 60 s: a refusal must come before anything starts, not after the run (where the verdict would be lost).
  test.each([
    ['a folder under /proc', () => '/proc/edge-chaos-report', /\/proc\/edge-chaos-report/],
    ['a file where the folder should be', () => writeFileReturning(join(tmp, 'report-is-a-file')), /report-is-a-file/],
    ['a folder whose parent is a regular file (cannot be created, even by root)', () => join(writeFileReturning(join(tmp, 'parent-is-a-file')), 'report'), /parent-is-a-file/],
  ])('--report-dir at %s is refused before the run starts', async (_what, dir, named) => {
    const run = await cli('loop', '--agents', '1', '--duration', '60s', '--report-dir', dir());
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, named);
    expect(run.stderr).toMatch(/--report-dir/);
    expect(run.stdout).toBe('');
  }, 20_000);

  test('an empty --token is refused (a replay reads it from $EDGE_CHAOS_TOKEN)', async () => {
    const run = await cli('loop', '--token', '', '--agents', '1', '--duration', '1s');
    expect(run.code).toBe(2);
    expectCauseAndFix(run.stderr, /--token is empty/);
  });
});
