import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../checks/types.ts';
import { verdictOf } from './result.ts';

const hub = (status: 'passed' | 'failed' | 'skipped', id = 'connection-loop'): CheckResult =>
  status === 'skipped' ? { id, title: id, kind: 'hub', status, summary: 'skipped', reason: 'no metrics' } : { id, title: id, kind: 'hub', status, summary: status, evidence: {} };
const validity = (status: 'passed' | 'failed', id = 'event-loop-lag'): CheckResult => ({ id, title: id, kind: 'validity', status, summary: `${id} ${status}`, evidence: {} });

describe('verdictOf', () => {
  test('passed when every hub check that judged passed, skips allowed', () => {
    expect(verdictOf([hub('passed'), hub('skipped', 'hub-replaced'), validity('passed')], false)).toEqual({ verdict: 'passed' });
  });
  test('failed when a hub check failed and the run was valid: exit 1', () => {
    expect(verdictOf([hub('failed'), validity('passed')], false)).toEqual({ verdict: 'failed' });
  });
  test('invalid when a run-validity check failed, even with a hub check failed: the run cannot judge', () => {
    const v = verdictOf([hub('failed'), validity('failed')], false);
    expect(v.verdict).toBe('invalid');
    expect(v.invalid!.reasons).toEqual(['event-loop-lag: event-loop-lag failed']);
    expect(v.invalid!.fix).toMatch(/fewer agents/);
  });
  test('invalid when every hub check skipped: nothing was judged', () => {
    const v = verdictOf([hub('skipped'), hub('skipped', 'command-delivery'), validity('passed')], false);
    expect(v.verdict).toBe('invalid');
    expect(v.invalid!.reasons[0]).toMatch(/^nothing was judged: every hub check skipped: connection-loop \(no metrics\)/);
  });
  test('interrupted beats everything', () => {
    expect(verdictOf([hub('failed'), validity('failed')], true)).toEqual({ verdict: 'interrupted' });
  });
});
