import { describe, expect, test } from 'vitest';
import type { EventOf, HistoryEvent } from '../history/events.ts';
import { checkHubHealth, type HubHealthEvidence } from './hub-health.ts';
import type { CheckInput } from './types.ts';

const URL = 'http://127.0.0.1:9000';
const AGENTS = ['agent-1', 'agent-2', 'agent-3'];

/** A run's hub-watch and connection events, written by hand: probes every second, the stop at `stopMs`. */
class Run {
  readonly events: HistoryEvent[] = [];
  readonly #failed: number[] = [];
  #probes = 0;
  #answered = 0;
  #state: 'up' | 'down' | undefined;

  readonly stopMs: number;

  constructor(stopMs = 20_000) {
    this.stopMs = stopMs;
  }

  /** One probe started at `t`: answered, or failed with `reason`. Only changes become events, as the watcher records them. */
  probe(t: number, reason?: string): this {
    this.#probes++;
    if (reason === undefined) {
      this.#answered++;
      if (this.#state !== 'up') {
        const outage = this.#failed.length > 0 ? { failedAtMs: [...this.#failed], failedProbes: this.#failed.length } : {};
        this.events.push({ t, type: 'hub.health', state: 'up', url: URL, latencyMs: 2, status: 200, ...outage });
      }
      this.#failed.length = 0;
      this.#state = 'up';
    } else {
      this.#failed.push(t);
      if (this.#state !== 'down') this.events.push({ t, type: 'hub.health', state: 'down', url: URL, latencyMs: 1, reason });
      this.#state = 'down';
    }
    return this;
  }

  /** Probes every second from `fromMs` up to and including `toMs`. */
  probes(fromMs: number, toMs: number, reason?: string): this {
    for (let t = fromMs; t <= toMs; t += 1_000) this.probe(t, reason);
    return this;
  }

  open(agent: string, t: number): this {
    this.events.push({ t, agent, type: 'ws.open', conn: 1 });
    return this;
  }

  close(agent: string, t: number, by: 'remote' | 'dead' | 'stop' = 'remote'): this {
    this.events.push({ t, agent, type: 'ws.close', conn: 1, code: 1006, reason: '', openMs: 1, by });
    return this;
  }

  redeploy(name: string, fromMs: number, toMs: number | 'failed'): this {
    this.events.push({ t: fromMs, type: 'hub.redeploy', name, kind: 'graceful', phase: 'begin' });
    if (toMs === 'failed') return this;
    this.events.push({ t: toMs, type: 'hub.redeploy', name, kind: 'graceful', phase: 'end' });
    return this;
  }

  event(e: HistoryEvent): this {
    this.events.push(e);
    return this;
  }

  /** The watcher's totals just before the stop, the stop itself, and what follows it. */
  input(opts: { agents?: readonly string[]; groups?: CheckInput['groups']; after?: HistoryEvent[] } = {}): CheckInput {
    const totals: EventOf<'hub.probes'> = { t: this.stopMs - 1, type: 'hub.probes', probes: this.#probes, answered: this.#answered, intervalMs: 1_000, timeoutMs: 4_000, maxLatencyMs: 2, failedAtMs: [...this.#failed], failedProbes: this.#failed.length };
    const events = [...this.events, totals, { t: this.stopMs, type: 'run.phase' as const, phase: 'stop' as const }, ...(opts.after ?? [])].sort((a, b) => a.t - b.t);
    return { events, agents: opts.agents ?? AGENTS, groups: opts.groups, endMs: this.stopMs + 500 };
  }
}

/** A fleet that connected at 100 ms and stayed. */
function connected(run: Run, agents = AGENTS): Run {
  for (const a of agents) run.open(a, 100);
  return run;
}

const evidence = (result: ReturnType<typeof checkHubHealth>) => (result as { evidence: HubHealthEvidence }).evidence;

describe('checkHubHealth: the hub answering', () => {
  test('a hub that answered every probe, with the fleet connected at the stop, passes with probes and uptime', () => {
    const result = checkHubHealth(connected(new Run().probes(0, 19_000)).input(), {});
    expect(result.status).toBe('passed');
    expect(result.summary).toBe('hub answered 20/20 probes (100%), slowest 2 ms; all 3 agents connected at the end');
    expect(evidence(result)).toMatchObject({ probes: 20, answered: 20, outages: [], unplannedExits: [], downAtEnd: [], minFailedProbes: 5, graceMs: 5_000, stopMs: 20_000 });
  });

  test('4 failed probes in a row are a blip; the 5th makes the hub gone, with when it went away and for how long', () => {
    const blip = connected(new Run().probes(0, 3_000).probes(4_000, 7_000, 'ECONNREFUSED').probes(8_000, 19_000));
    const passed = checkHubHealth(blip.input(), {});
    expect(passed.status).toBe('passed');
    expect(passed.summary).toContain('1 blip(s) shorter than 5 probes');
    expect(evidence(passed).outages).toEqual([{ fromMs: 4_000, toMs: 8_000, open: false, reason: 'ECONNREFUSED', failedProbes: 4, unplannedFailedProbes: 4, unplannedFromMs: 4_000 }]);

    const gone = connected(new Run().probes(0, 3_000).probes(4_000, 8_000, 'no answer within 4000 ms').probes(9_000, 19_000));
    const failed = checkHubHealth(gone.input(), {});
    expect(failed.status).toBe('failed');
    expect(failed.summary).toBe('the hub went away at 4.0 s: no answer to 5 probes in a row (no answer within 4000 ms), for 5.0 s');
  });

  test('a hub that never answers again is gone until the end; the totals carry the open outage', () => {
    const result = checkHubHealth(connected(new Run().probes(0, 3_000).probes(4_000, 19_000, 'ECONNREFUSED')).input(), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toBe('the hub went away at 4.0 s: no answer to 16 probes in a row (ECONNREFUSED), for 16.0 s until the end');
    expect(evidence(result).outages[0]).toMatchObject({ open: true, toMs: 20_000, failedProbes: 16 });
  });

  test('minFailedProbes is settable', () => {
    const run = connected(new Run().probes(0, 3_000).probes(4_000, 5_000, 'HTTP 503').probes(6_000, 19_000));
    expect(checkHubHealth(run.input(), { minFailedProbes: 2 }).status).toBe('failed');
    expect(checkHubHealth(run.input(), { minFailedProbes: 3 }).status).toBe('passed');
  });

  test('failed probes from the redeploy begin to its end + grace are planned; the grace boundary is inclusive', () => {
    // Down from 2 s to 10 s (end 5 s + 5 s grace): 9 planned failures; then 4 more just past the grace: still a pass.
    const run = () => new Run().redeploy('deploy-1', 2_000, 5_000).probes(0, 1_000).probes(2_000, 10_000, 'ECONNREFUSED');
    const within = connected(run().probes(10_001, 13_001, 'ECONNREFUSED').probes(14_001, 19_001));
    const passed = checkHubHealth(within.input(), {});
    expect(passed.status).toBe('passed');
    expect(evidence(passed).outages[0]).toMatchObject({ failedProbes: 13, unplannedFailedProbes: 4, unplannedFromMs: 10_001 });

    const past = connected(run().probes(10_001, 14_001, 'ECONNREFUSED').probes(15_001, 19_001));
    const failed = checkHubHealth(past.input(), {});
    expect(failed.status).toBe('failed');
    expect(failed.summary).toBe('the hub went away at 10.0 s: no answer to 5 probes in a row (ECONNREFUSED), for 5.0 s');
    expect(failed.summary, 'the outage began inside the redeploy').not.toContain('at 2.0 s');
  });

  test('a whole outage inside a redeploy passes and is reported as planned', () => {
    const run = connected(new Run().redeploy('deploy-1', 2_000, 6_000).probes(0, 1_000).probes(2_000, 6_000, 'ECONNREFUSED').probes(7_000, 19_000));
    const result = checkHubHealth(run.input(), {});
    expect(result.status).toBe('passed');
    expect(result.summary).toContain('1 outage(s) within planned redeploys');
  });

  test('a failed redeploy excuses the hub only until it failed', () => {
    const run = connected(new Run().redeploy('deploy-1', 2_000, 'failed').probes(0, 1_000).probes(2_000, 19_000, 'ECONNREFUSED'));
    run.event({ t: 4_000, type: 'hub.redeploy.failed', name: 'deploy-1', error: 'did not start' });
    const result = checkHubHealth(run.input(), {});
    expect(result.status).toBe('failed');
    // 4 s + 5 s grace: the first unplanned probe starts at 10 s.
    expect(result.summary).toContain('the hub went away at 10.0 s: no answer to 10 probes in a row');
  });

  test('an outage longer than the kept probe times counts the dropped ones too', () => {
    const run = connected(new Run().probes(0, 1_000));
    run.event({ t: 2_000, type: 'hub.health', state: 'down', url: URL, latencyMs: 1, reason: 'ECONNREFUSED' });
    run.event({ t: 9_000, type: 'hub.health', state: 'up', url: URL, latencyMs: 1, status: 200, failedAtMs: [6_000, 7_000, 8_000], failedProbes: 7 });
    const result = checkHubHealth(run.input(), { minFailedProbes: 6 });
    expect(result.status).toBe('failed');
    expect(evidence(result).outages[0]).toMatchObject({ failedProbes: 7, unplannedFailedProbes: 7, unplannedFromMs: 2_000 });
  });

  test('skipped when the hub was not watched', () => {
    const result = checkHubHealth({ events: [{ t: 5, type: 'run.phase', phase: 'stop' }], agents: AGENTS, endMs: 10 }, {});
    expect(result).toMatchObject({ status: 'skipped', reason: 'the hub was not watched (no hub.health events)' });
  });
});

describe('checkHubHealth: process exits', () => {
  test('an exit the harness did not cause fails with its code or signal, even while the probes still look fine', () => {
    const run = connected(new Run().probes(0, 19_000));
    run.event({ t: 4_000, type: 'hub.exit', hub: 'command', pid: 42, code: 1, signal: null, planned: false });
    const result = checkHubHealth(run.input(), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toBe("the hub's process (pid 42) exited on its own at 4.0 s (code 1)");
    expect(evidence(result).unplannedExits).toHaveLength(1);
  });

  test('planned exits (a crash redeploy SIGKILLs on purpose) and exits after the stop do not count', () => {
    const run = connected(new Run().redeploy('crash-1', 2_000, 4_000).probes(0, 1_000).probes(2_000, 3_000, 'ECONNREFUSED').probes(4_000, 19_000));
    run.event({ t: 2_010, type: 'hub.exit', hub: 'child-process', pid: 7, code: null, signal: 'SIGKILL', planned: true });
    const result = checkHubHealth(run.input({ after: [{ t: 20_001, type: 'hub.exit', hub: 'child-process', pid: 8, code: 1, signal: null, planned: false }] }), {});
    expect(result.status).toBe('passed');
    expect(evidence(result)).toMatchObject({ plannedExits: 1, unplannedExits: [] });
  });
});

describe('checkHubHealth: agents down at the end', () => {
  test('agents whose last close no disruption explains are named; agents the harness stopped after the stop are not', () => {
    const run = new Run().probes(0, 19_000).open('agent-1', 100).open('agent-2', 100).open('agent-3', 100).close('agent-2', 9_000).close('agent-3', 12_000);
    const result = checkHubHealth(run.input({ after: [{ t: 20_100, agent: 'agent-1', type: 'ws.close', conn: 1, code: 1000, reason: 'agent stopping', openMs: 1, by: 'stop' }] }), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toBe('2/3 agents not connected at the end with no fault or redeploy to explain it: agent-2, agent-3');
    expect(evidence(result).downAtEnd).toEqual([
      { agent: 'agent-2', lastCloseMs: 9_000, code: 1006, reason: '', by: 'remote' },
      { agent: 'agent-3', lastCloseMs: 12_000, code: 1006, reason: '', by: 'remote' },
    ]);
  });

  test("a close inside a fault on the agent's own group, up to the grace after its heal, is explained; one ms later or another group's fault is not", () => {
    const groups = [
      { name: 'cut', agents: ['agent-1', 'agent-2'] },
      { name: 'rest', agents: ['agent-3'] },
    ];
    const run = () =>
      new Run()
        .probes(0, 19_000)
        .event({ t: 5_000, type: 'fault.applied', fault: 'cut', kind: 'partition', target: 'cut', detail: {} })
        .event({ t: 8_000, type: 'fault.removed', fault: 'cut', kind: 'partition', target: 'cut' })
        .open('agent-1', 100)
        .open('agent-2', 100)
        .open('agent-3', 100);
    const explained = run().close('agent-1', 5_000).close('agent-2', 13_000);
    const passed = checkHubHealth(explained.input({ groups }), {});
    expect(passed.status).toBe('passed');
    expect(passed.summary).toContain('1/3 agents connected at the end, 2 down after a disruption');

    const late = run().close('agent-2', 13_001);
    expect(checkHubHealth(late.input({ groups }), {}).summary).toContain('agents not connected at the end with no fault or redeploy to explain it: agent-2');
    const otherGroup = run().close('agent-3', 6_000);
    expect(checkHubHealth(otherGroup.input({ groups }), {}).summary).toContain(': agent-3');
  });

  test('a redeploy explains every agent; an agent that never connected is explained only by a disruption covering the stop', () => {
    const run = new Run().redeploy('deploy-1', 10_000, 12_000).probes(0, 19_000).open('agent-1', 100).close('agent-1', 10_500);
    const result = checkHubHealth(run.input({ agents: ['agent-1', 'agent-2'] }), {});
    expect(result.status).toBe('failed');
    expect(evidence(result).downAtEnd).toEqual([{ agent: 'agent-2' }]);
    expect(evidence(result).explainedDownAtEnd).toBe(1);

    const stillCut = new Run()
      .probes(0, 19_000)
      .event({ t: 0, type: 'fault.applied', fault: 'cut', kind: 'partition', target: 'all', detail: {} })
      .event({ t: 20_200, type: 'fault.removed', fault: 'cut', kind: 'partition', target: 'all', atStop: true });
    expect(checkHubHealth(stillCut.input({ agents: ['agent-1'] }), {}).status).toBe('passed');
  });

  test('a down reported after the stop (the run being torn down) is not judged', () => {
    const run = connected(new Run().probes(0, 19_000));
    const result = checkHubHealth(run.input({ after: [{ t: 20_050, type: 'hub.health', state: 'down', url: URL, latencyMs: 1, reason: 'ECONNREFUSED' }] }), {});
    expect(result.status).toBe('passed');
  });
});
