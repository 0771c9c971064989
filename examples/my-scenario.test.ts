import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

/** `npm run scenario ./examples/my-scenario.ts`, exactly as docs/library.md tells a user to type it. */
function npmRunScenario(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'scenario', ...args], { cwd: repoRoot, env: { ...process.env, TOXIPROXY_URL: '', GITHUB_STEP_SUMMARY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

test('a scenario file outside scenarios/ runs from the CLI by path, faults and all, and writes its report', async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-chaos-my-scenario-'));
  const run = await npmRunScenario('./examples/my-scenario.ts', '--', '--duration', '4s', '--seed', '3', '--report-dir', dir);
  expect(run.stderr).not.toContain('error:');
  expect(run.stdout).toContain('scenario slow-branch-office: 6 agents, 4.0 s, seed 3');
  expect(run.stdout).toMatch(/slow-link: latency on branch \(2 agents: agent-1..agent-2\)/);
  expect(run.code, run.stdout).toBe(0);
  // The replay command names the file, not just the scenario's name, or it could not be run again.
  expect(run.stdout).toContain('replay: npm run scenario ./examples/my-scenario.ts -- --agents 6 --duration 4s --seed 3');
  const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { scenario: { name: string }; verdict: string };
  expect(summary).toMatchObject({ scenario: { name: 'slow-branch-office' }, verdict: 'passed' });
  expect(existsSync(join(dir, 'report.html'))).toBe(true);
});
