import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { expectPassedOrHarnessBehind, notPassed } from '../../../scenarios/short-variants.test-support.ts';
import type { RunResult } from '../../runner/result.ts';
import { runScenario } from '../../runner/run.ts';
import { pidsSurvivingAfter } from '../process-tree.test-support.ts';

/**
 * `--protocol socket.io` judged on a Socket.IO hub that is not ours (habit
 * 15): the zoo's socketio-hub.mjs, on the socket.io server package, started
 * as a --hub-cmd hub. Healthy, loop passes; each misbehaviour fails the run
 * and the check that names it: the incident's double registration
 * (connection-loop), misrouted commands (command-delivery), sockets that fall
 * silent (liveness).
 */
const SOCKETIO_HUB = fileURLToPath(new URL('./zoo/socketio-hub.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-socketio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/** The zoo hub with a pid log (so a test can ask the kernel it is gone) and the given flags. */
function socketIoHub(...flags: string[]) {
  const pidLog = join(tmp, `hub-${++runs}.pids`);
  return { pidLog, hub: { kind: 'command' as const, command: [`node '${SOCKETIO_HUB}' --pid-log '${pidLog}'`, ...flags].join(' ') } };
}

function check(result: RunResult, id: string) {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${result.checks.map((c) => c.id).join(', ')}`);
  return found;
}

async function expectHubGone(pidLog: string): Promise<void> {
  const pids = readFileSync(pidLog, 'utf8').trim().split('\n').map(Number);
  expect(pids).toHaveLength(1);
  expect(await pidsSurvivingAfter(pids), 'the Socket.IO hub outlived the run').toEqual([]);
}

const loop = SCENARIOS.get('loop')!;
/** The Socket.IO hub not written in Node: Python 3.11's standard library only. */
const PYTHON_HUB = fileURLToPath(new URL('../../../examples/protocols/socketio-hub/hub.py', import.meta.url));
const python = spawnSync('python3', ['-c', 'import sys; sys.exit(sys.version_info < (3, 11))']).status === 0;

describe.concurrent('loop over --protocol socket.io on the zoo\'s Socket.IO hub', () => {
  test('passes on the healthy hub (10 agents, 10 s, with a token): every command delivered and acked, the pings heard, the wire read', async () => {
    const { hub, pidLog } = socketIoHub('--token t0k');
    const result = await runScenario(loop, { hub, protocol: 'socket.io', token: 't0k', agents: 10, durationMs: 10_000, seed: '1' });
    // The hub has no /metrics: the two checks that read them skip, saying so; every other check passed.
    expect(notPassed(result).filter((c) => !/^hub-(connections-replaced|handlers-per-connection) skipped/.test(c))).toEqual([]);
    expectPassedOrHarnessBehind(result);
    expect(check(result, 'wire-fit').status).toBe('passed');
    expect(check(result, 'liveness')).toMatchObject({ status: 'passed', evidence: { pingIntervalMs: 2_000 } });
    expect(result.stats.connects).toBe(10);
    expect(result.stats.commandsIssued).toBeGreaterThanOrEqual(5);
    await expectHubGone(pidLog);
  }, 60_000);

  test('fails on double-register (the incident in Socket.IO), connection-loop naming the server disconnect', async () => {
    const { hub, pidLog } = socketIoHub('--misbehave double-register');
    const result = await runScenario(loop, { hub, protocol: 'socket.io', agents: 4, durationMs: 4_000, seed: '1' });
    const loopCheck = check(result, 'connection-loop');
    expect(loopCheck.status, loopCheck.summary).toBe('failed');
    expect(loopCheck.summary).toContain('4/4 agents');
    expect(loopCheck.summary).toContain('4000 "socket.io disconnect: io server disconnect"');
    expect(result.verdict).toBe('failed');
    await expectHubGone(pidLog);
  }, 60_000);

  test('fails on misroute, command-delivery naming it', async () => {
    const { hub } = socketIoHub('--misbehave misroute');
    const result = await runScenario(loop, { hub, protocol: 'socket.io', agents: 4, durationMs: 3_000, seed: '1' });
    const delivery = check(result, 'command-delivery');
    expect(delivery.status, delivery.summary).toBe('failed');
    expect(delivery.summary).toContain('misrouted');
    expect(result.verdict).toBe('failed');
  }, 60_000);

  test('fails on no-heartbeat-at (sockets silent and open from 2 s on), liveness naming the agents', async () => {
    const { hub } = socketIoHub('--misbehave no-heartbeat-at:2000');
    const result = await runScenario(loop, { hub, protocol: 'socket.io', agents: 4, durationMs: 8_000, seed: '1' });
    const liveness = check(result, 'liveness');
    expect(liveness.status, liveness.summary).toBe('failed');
    expect((liveness as { evidence: { agentsFlagged: string[] } }).evidence.agentsFlagged.sort()).toEqual(['agent-1', 'agent-2', 'agent-3', 'agent-4']);
    // The agents found the silent links themselves: their liveness check closed them.
    expect(result.verdict).toBe('failed');
  }, 60_000);

  test.skipIf(!python)('passes on the Python hub (examples/protocols/socketio-hub, no Socket.IO library), which speaks the same wire', async () => {
    const result = await runScenario(loop, { hub: { kind: 'command', command: `python3 '${PYTHON_HUB}' --token t0k` }, protocol: 'socket.io', token: 't0k', agents: 4, durationMs: 5_000, seed: '1' });
    expect(notPassed(result).filter((c) => !/^hub-(connections-replaced|handlers-per-connection) skipped/.test(c))).toEqual([]);
    expectPassedOrHarnessBehind(result);
    expect(check(result, 'wire-fit').status).toBe('passed');
    expect(result.stats.commandsIssued).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
