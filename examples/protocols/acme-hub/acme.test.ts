import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runScenario, type CheckResult, type RunResult } from 'edge-chaos';

/**
 * The protocol seam proved on a stranger (habit 15): the acme hub is Python,
 * on its own JSON wire (welcome/hello, app-level pings, jobs acked by
 * "done", polls acked one job at a time, a key header), started by the
 * command hub runtime as --hub-cmd starts it; edge-chaos knows that wire only
 * from acme.protocol.ts. The real loop scenario at 10 agents passes the sound
 * hub, fails each misbehaviour naming the check that caught it, and a profile
 * that misreads the hub makes the run invalid, not failed.
 */
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const HUB = here('./hub.py');
const ACME = here('./acme.protocol.ts');
const MISREAD = here('./acme-misread.protocol.ts');

// The profile reads the key from the environment when it loads; the hub inherits the same environment.
process.env.ACME_KEY = 'acme-test-key';

// Each hub keeps its queue in a file under this folder, so the folder's path marks every hub process these tests started.
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-acme-'));
let runs = 0;
afterAll(() => {
  const left = hubProcesses();
  rmSync(tmp, { recursive: true, force: true });
  expect(left, 'acme hubs still running after the runs').toEqual([]);
});

const PYTHON_MISSING = (() => {
  try {
    const version = execFileSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 11))'], { encoding: 'utf8' }).trim();
    return version === 'True' ? undefined : 'python3 is older than 3.11';
  } catch {
    return 'no python3 on PATH';
  }
})();

/** The acme hub as --hub-cmd runs it, with a queue file of its own and the given misbehaviours. */
function acmeHub(...misbehave: string[]) {
  const state = join(tmp, `jobs-${++runs}.json`);
  return { kind: 'command' as const, command: [`python3 '${HUB}' --state '${state}'`, ...misbehave.map((m) => `--misbehave ${m}`)].join(' ') };
}

/** Pids of processes whose command line names the test's folder: the hubs it started (and the shells around them). */
function hubProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(tmp)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function check(result: RunResult, id: string): CheckResult {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${result.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** Hub checks that did not pass, as readable lines. */
const notPassed = (result: RunResult) => result.checks.filter((c) => c.kind === 'hub' && c.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.summary}`);

const loop = (hub: ReturnType<typeof acmeHub>, options: { durationMs?: number; protocol?: string; seed?: string } = {}) =>
  runScenario('loop', { hub, protocol: options.protocol ?? ACME, agents: 10, durationMs: options.durationMs ?? 8_000, seed: options.seed ?? '1' });

// One run at a time: each is 10 agents and a hub process, and the checks judge timing on a 2-core machine.
describe.skipIf(PYTHON_MISSING !== undefined)(`loop against the acme hub (Python, its own wire)${PYTHON_MISSING ? ` (skipped: ${PYTHON_MISSING})` : ''}`, () => {
  test('the sound hub passes: every job issued through POST /api/jobs applied once, app pings heard as liveness', async () => {
    const result = await loop(acmeHub());
    // The hub has no /metrics: the two checks that read it skip, saying so; nothing else may.
    expect(notPassed(result)).toEqual([
      expect.stringMatching(/^hub-connections-replaced skipped: .*names no hub metric/),
      expect.stringMatching(/^hub-handlers-per-connection skipped: .*names no hub metric/),
    ]);
    expect(result.verdict).toBe('passed');
    expect(check(result, 'wire-fit')).toMatchObject({ status: 'passed', summary: 'protocol "acme" read every frame and answer the hub sent' });
    expect(check(result, 'liveness')).toMatchObject({ status: 'passed', evidence: { pingIntervalMs: 2_000 } });
    expect(result.stats).toMatchObject({ agents: 10, connects: 10, disconnects: 0, connectFailures: 0 });
    expect(result.stats.commandsIssued).toBeGreaterThan(0);
    expect(result.stats.commandsApplied).toBe(result.stats.commandsIssued);
    // The replay names the profile (relative to where the run started) and the hub command, so it runs the same wire again.
    expect(result.replay).toMatch(/ --protocol \S*examples\/protocols\/acme-hub\/acme\.protocol\.ts$/);
    expect(result.replay).toContain('hub.py');
  }, 90_000);

  test('double-register (the incident: the handler registered twice) fails connection-loop, naming the replace close 4000 "superseded"', async () => {
    const result = await loop(acmeHub('double-register'));
    expect(result.verdict).toBe('failed');
    const loopCheck = check(result, 'connection-loop');
    expect(loopCheck.status, loopCheck.summary).toBe('failed');
    expect(loopCheck.summary).toContain('closed with 4000 "superseded"');
    expect(loopCheck.summary).toMatch(/10\/10 agents kept reconnecting/);
    expect(check(result, 'wire-fit').status).toBe('passed');
  }, 90_000);

  test('misroute fails command-delivery, which names the jobs applied by the wrong agent', async () => {
    const result = await loop(acmeHub('misroute'));
    expect(result.verdict).toBe('failed');
    const delivery = check(result, 'command-delivery');
    expect(delivery.status, delivery.summary).toBe('failed');
    expect(delivery.summary).toContain('misrouted');
    expect(check(result, 'connection-loop').status).toBe('passed');
    expect(check(result, 'wire-fit').status).toBe('passed');
  }, 90_000);

  test('no-heartbeat-at (half-dead: sockets open, nothing sent) fails liveness, and every agent found its link dead', async () => {
    // Silent from 3 s on: the last ping by about 3 s, each agent's verdict 2.5 intervals (5 s) later, well inside 10 s.
    const result = await loop(acmeHub('no-heartbeat-at:3000'), { durationMs: 10_000 });
    expect(result.verdict).toBe('failed');
    const liveness = check(result, 'liveness');
    expect(liveness.status, liveness.summary).toBe('failed');
    // Agents that connected before the hub went quiet heard a ping or two first; on a slow start they may have heard none.
    expect(liveness.summary).toMatch(/the hub (pinged slower than promised|never pinged)/);
    const dead = new Set(result.events.flatMap((e) => (e.type === 'ws.dead' ? [e.agent] : [])));
    expect([...dead].sort()).toEqual([...result.agentIds].sort());
    expect(check(result, 'wire-fit').status).toBe('passed');
  }, 90_000);

  test('a profile whose command rule misreads the hub makes the run invalid (wire-fit), quoting the job frame it could not read', async () => {
    const result = await loop(acmeHub(), { protocol: MISREAD });
    expect(result.verdict).toBe('invalid');
    const fit = check(result, 'wire-fit');
    expect(fit).toMatchObject({ kind: 'validity', status: 'failed' });
    expect(fit.summary).toContain('protocol "acme-misread" could not read what the hub sent');
    expect(fit.summary).toMatch(/no rule of protocol "acme-misread" recognised the frame "\{\\"type\\":\\"job\\",\\"job\\":\{\\"id\\":/);
    expect(fit.summary).toContain('command {"type":"task"}');
    expect(result.invalid?.reasons.some((r) => r.startsWith('wire-fit: '))).toBe(true);
  }, 90_000);
});
