/**
 * The redeploy scenarios, shortened for tests: the same checks, traffic,
 * backoff and groups as the real ones, only fewer agents, a shorter run and
 * one redeploy (the recovery check measures each agent until it is back, so
 * two redeploys close together would fail it legitimately).
 */
import { expect } from 'vitest';
import type { RunResult } from '../harness/runner/result.ts';
import type { HistoryEvent } from '../harness/history/events.ts';
import { defineScenario, type ScenarioDefinition } from '../harness/scenario/index.ts';
import { SCENARIOS } from './index.ts';

function base(name: string): ScenarioDefinition {
  const scenario = SCENARIOS.get(name);
  if (!scenario) throw new Error(`no built-in scenario ${name}`);
  return scenario;
}

/**
 * redeploy: the offline group (30%) is partitioned across the redeploy, so
 * commands queued for it must survive the hub's restart. 10 agents so the
 * group has 3; the partition starts early so several commands wait for it.
 */
export const shortRedeploy = defineScenario({
  ...base('redeploy'),
  defaults: { agents: 10, durationMs: 8_000 },
  faults: [{ name: 'offline', atMs: 300, durationMs: 3_700, group: 'offline', fault: { kind: 'partition' } }],
  redeploys: [{ name: 'deploy-1', atMs: 2_500, kind: 'graceful', downMs: 1_000 }],
});

/**
 * 13 s: after the crash (2 s, 1 s down) and the backoff (up to its 5 s ceiling), connections must
 * outlast 2 ping intervals (4 s) before the stop for liveness to judge. At 10 s that left about a
 * second to spare, and a loaded npm test ate it (liveness skipped: no connection lasted 4 s).
 */
export const shortCrash = defineScenario({
  ...base('crash'),
  defaults: { agents: 6, durationMs: 13_000 },
  redeploys: [{ name: 'crash-1', atMs: 2_000, kind: 'crash', downMs: 1_000 }],
});

export const shortRolling = defineScenario({
  ...base('rolling'),
  defaults: { agents: 6, durationMs: 6_000 },
  redeploys: [{ name: 'blue-green', atMs: 2_000, kind: 'rolling' }],
});

/** 200 agents: enough reconnects for the spread check to judge (it needs 10) and for a herd to show. */
export const shortStorm = defineScenario({
  ...base('storm'),
  defaults: { agents: 200, durationMs: 6_000, rampMs: 1_000 },
  redeploys: [{ name: 'redeploy', atMs: 2_500, kind: 'graceful' }],
});

/** Checks that did not pass, as readable lines (an empty list is the goal). */
/** The hub checks that did not pass: what a healthy hub must not have. */
export function notPassed(result: RunResult): string[] {
  return result.checks.filter((c) => c.kind !== 'validity' && c.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.summary}`);
}

/**
 * A run ends with `verdict`; on a machine too loaded for the harness to keep
 * up (other test files share its two cores) it is invalid instead, and must
 * say that the harness fell behind, never blame the hub for it.
 */
function expectVerdictOrHarnessBehind(result: RunResult, verdict: 'passed' | 'failed'): void {
  if (result.verdict === 'invalid') {
    expect(result.invalid?.reasons.every((r) => r.startsWith('event-loop-lag:')), result.invalid?.reasons.join('; ')).toBe(true);
  } else {
    expect(result.verdict).toBe(verdict);
  }
}

/** A healthy hub's run passes (or says the harness fell behind). */
export const expectPassedOrHarnessBehind = (result: RunResult): void => expectVerdictOrHarnessBehind(result, 'passed');
/** A defect's run fails (or says the harness fell behind; the check that caught it is asserted apart). */
export const expectFailedOrHarnessBehind = (result: RunResult): void => expectVerdictOrHarnessBehind(result, 'failed');

type Redeploy = Extract<HistoryEvent, { type: 'hub.redeploy' }>;

/** The begin and end events of one redeploy; fails the test when either is missing or the redeploy failed. */
export function redeployWindow(result: RunResult, name: string): { begin: Redeploy; end: Redeploy } {
  const failed = result.events.filter((e) => e.type === 'hub.redeploy.failed');
  expect(failed, 'no redeploy may fail').toEqual([]);
  const mine = result.events.filter((e): e is Redeploy => e.type === 'hub.redeploy' && e.name === name);
  expect(mine.map((e) => e.phase)).toEqual(['begin', 'end']);
  const [begin, end] = mine as [Redeploy, Redeploy];
  expect(end.t).toBeGreaterThanOrEqual(begin.t);
  return { begin, end };
}

/** Agents whose WebSocket was open at time `t`. */
export function connectedAt(result: RunResult, t: number): Set<string> {
  const open = new Set<string>();
  for (const e of result.events) {
    if (e.t > t) break;
    if (e.type === 'ws.open') open.add(e.agent);
    else if (e.type === 'ws.close') open.delete(e.agent);
  }
  return open;
}

/**
 * Proof from the agents' side that the hub went away and came back: every
 * agent connected when the redeploy began lost that connection during it
 * (with `close.code`, or any code but 1012 for `not1012`), and every agent of
 * the fleet opened a new connection after that (or, if it was down, after the
 * redeploy began).
 */
export function expectEveryAgentReconnected(result: RunResult, name: string, close?: { code: number } | 'not1012'): void {
  const { begin, end } = redeployWindow(result, name);
  const wereUp = connectedAt(result, begin.t);
  expect(wereUp.size, 'some agents were connected when the redeploy began').toBeGreaterThan(0);
  // Closes can be recorded a little after the hub is back (a quick restart beats its old sockets' close).
  const closes = result.events.filter((e) => e.type === 'ws.close' && e.by !== 'stop' && e.t >= begin.t && e.t <= end.t + 2_000 && wereUp.has(e.agent));
  const closedAgents = new Set(closes.map((e) => (e.type === 'ws.close' ? e.agent : '')));
  expect([...wereUp].filter((a) => !closedAgents.has(a)), 'agents whose connection survived the redeploy').toEqual([]);
  for (const e of closes) {
    if (e.type !== 'ws.close' || close === undefined) continue;
    if (close === 'not1012') expect(e.code, `${e.agent} closed with a close frame in a crash`).not.toBe(1012);
    else expect(e.code, `${e.agent}'s close code`).toBe(close.code);
  }
  // New connections count from each agent's drop, not from the end event: the
  // harness records the end when it has seen the hub up, which can be after agents have.
  const droppedAt = new Map<string, number>();
  for (const e of closes) if (e.type === 'ws.close' && !droppedAt.has(e.agent)) droppedAt.set(e.agent, e.t);
  const reopened = new Set(result.events.flatMap((e) => (e.type === 'ws.open' && e.t > (droppedAt.get(e.agent) ?? begin.t) ? [e.agent] : [])));
  expect(result.agentIds.filter((a) => !reopened.has(a)), 'agents with no new connection after the redeploy').toEqual([]);
}

/** WebSocket opens per agent over the whole run. */
export function opensPerAgent(result: RunResult): Map<string, number> {
  const opens = new Map<string, number>(result.agentIds.map((a) => [a, 0]));
  for (const e of result.events) if (e.type === 'ws.open') opens.set(e.agent, (opens.get(e.agent) ?? 0) + 1);
  return opens;
}
