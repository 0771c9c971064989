import { describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { describeScenario, summarizeScenario } from './describe-scenario.ts';

const partition = SCENARIOS.get('partition')!;

describe('scenario help, read from the definition', () => {
  test('--help shows defaults, groups, the fault timeline and each check with its options', () => {
    const text = describeScenario(partition);
    expect(text.split('\n')[0]).toBe(`partition: ${partition.description}`);
    expect(text).toMatch(/^ {2}agents +10 {2}\(--agents\)$/m);
    expect(text).toMatch(/^ {2}cut +30% of the fleet/m);
    expect(text).toMatch(/^ {2}rest +the other 70%$/m);
    // The scenario's timeline is a function of the duration: 20% in, for 30% of 30 s.
    expect(text).toMatch(/^ {2}partition +partition on cut, 6\.0 s -> 15\.0 s$/m);
    expect(text).toMatch(/^ {2}recovery +percent 100, withinMs 10000$/m);
    expect(text).toMatch(/^ {2}commandDelivery +default options$/m);
  });

  test('--duration given with --help rescales the timeline it shows', () => {
    expect(describeScenario(partition, { durationMs: 10_000 })).toMatch(/partition on cut, 2\.0 s -> 5\.0 s$/m);
  });

  test('list names every check and the kind of disruption', () => {
    expect(summarizeScenario(SCENARIOS.get('flap')!)).toMatch(/30\.0 s; flap; checks: hubHealth, faultEffect, reconnectStorm, connectionLoop, recovery, commandDelivery$/);
    expect(summarizeScenario(SCENARIOS.get('loop')!)).toContain('no faults; checks: hubHealth, connectionLoop, reconnects,');
  });
});
