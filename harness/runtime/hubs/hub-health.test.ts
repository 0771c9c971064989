import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../../scenarios/index.ts';
import type { RunResult } from '../../runner/result.ts';
import { runScenario } from '../../runner/run.ts';
import { freePort } from '../free-port.ts';

/**
 * Issue 10: a hub that dies or hangs mid-run used to pass `loop` (each agent's
 * one connection lasted; failed reconnects were only counted; a hung hub keeps
 * its sockets open). The foreign fixture's --misbehave die-at / hang-at are
 * hubs written apart from ours with exactly that bug; the hub-health check
 * must fail them, naming when the hub went away.
 */
const FOREIGN_HUB = fileURLToPath(new URL('./zoo/foreign-hub.mjs', import.meta.url));
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-hub-health-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function hubHealth(result: RunResult) {
  const check = result.checks.find((c) => c.id === 'hub-health');
  if (!check) throw new Error('no hub-health check in the result');
  return check;
}

describe.concurrent('hub-health on a foreign hub that goes away mid-run (--hub-cmd)', () => {
  test('die-at: the process exit and the refused probes fail the run, with when the hub went away', async () => {
    const result = await runScenario(SCENARIOS.get('loop')!, { hub: { kind: 'command', command: `node '${FOREIGN_HUB}' --misbehave die-at:2000` }, agents: 3, durationMs: 6_000, seed: '1' });
    const check = hubHealth(result);
    expect(check.status, check.summary).toBe('failed');
    expect(check.summary).toMatch(/the hub's process \(pid \d+\) exited on its own at \d+\.\d s \(code 1\)/);
    expect(check.summary).toMatch(/the hub went away at \d+\.\d s: no answer to \d+ probes in a row \(ECONNREFUSED\), for \d+\.\d s until the end/);
    expect(check.summary).toContain('3/3 agents not connected at the end with no fault or redeploy to explain it');
    expect(result.verdict).toBe('failed');
  }, 60_000);

  test('hang-at: sockets stay open, but the unanswered probes fail the run, naming when the hub went away', async () => {
    const result = await runScenario(SCENARIOS.get('loop')!, { hub: { kind: 'command', command: `node '${FOREIGN_HUB}' --misbehave hang-at:1000` }, agents: 3, durationMs: 6_000, seed: '1' });
    const check = hubHealth(result);
    expect(check.status, check.summary).toBe('failed');
    expect(check.summary).toMatch(/^the hub went away at \d+\.\d s: no answer to \d+ probes in a row \(no answer within 4000 ms\), for \d+\.\d s until the end/);
    // The sockets stay open: what the agents see depends on when their liveness check gives up
    // (2.5 ping intervals), but hub-health names the hub whatever they saw.
  }, 60_000);

  test('the healthy foreign hub passes hub-health: it has no /healthz, and its 404 means alive', async () => {
    const result = await runScenario(SCENARIOS.get('loop')!, { hub: { kind: 'command', command: `node '${FOREIGN_HUB}'` }, agents: 3, durationMs: 3_000, seed: '2' });
    const check = hubHealth(result);
    expect(check.status, check.summary).toBe('passed');
    expect(check.summary).toMatch(/^hub answered (\d+)\/\1 probes \(100%\)/);
    const up = result.events.find((e) => e.type === 'hub.health');
    expect(up).toMatchObject({ state: 'up', status: 404 });
    expect(result.verdict).toBe('passed');
  }, 60_000);

  test('the CLI with --hub-url: a hub the test started itself dies mid-run; exit 1 and hub-health names when it went away', async () => {
    const port = await freePort();
    const hub = spawn(process.execPath, [FOREIGN_HUB, '--misbehave', 'die-at:8000'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((ready, fail) => {
        hub.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes(`on http://127.0.0.1:${port}`) && ready());
        hub.once('exit', (code) => fail(new Error(`the fixture exited (${code}) before listening`)));
      });
      const reportDir = join(tmp, 'hub-url');
      const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
      const cli = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'loop', '--hub-url', `http://127.0.0.1:${port}`, '--agents', '3', '--duration', '10s', '--seed', '3', '--report-dir', reportDir], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      cli.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const code = await new Promise<number | null>((done) => cli.on('close', done));
      expect(code, stdout).toBe(1);
      expect(stdout).toMatch(/FAIL\s+hub-health\s+the hub went away at/);
      const summary = JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')) as { verdict: string; checks: { id: string; status: string; summary: string }[] };
      expect(summary.verdict).toBe('failed');
      const check = summary.checks.find((c) => c.id === 'hub-health');
      expect(check?.status).toBe('failed');
      expect(check?.summary).toMatch(/^the hub went away at \d+\.\d s: no answer to \d+ probes in a row \(ECONNREFUSED\), for \d+\.\d s until the end; 3\/3 agents not connected at the end/);
    } finally {
      hub.kill('SIGKILL');
    }
  }, 60_000);
});
