import { describe, expect, test } from 'vitest';
import { renderConsoleSummary } from './console.ts';
import { CHECKS, sampleResult } from './result.test-support.ts';

describe('renderConsoleSummary', () => {
  test('one line per check with its mark, the verdict, the report folder and the replay command', () => {
    const text = renderConsoleSummary(sampleResult(), 'reports/x');
    expect(text).toMatch(/PASS\s+reconnects\s/);
    expect(text).toMatch(/FAIL\s+connection-loop\s+connection loop/);
    expect(text).toMatch(/SKIP\s+hub-connections-replaced\s/);
    expect(text).toContain('FAILED: 1 of 3 hub checks failed');
    expect(text).toContain('report: reports/x');
    expect(text).toContain('replay: npm run scenario loop -- --agents 2 --duration 5s --seed 7 --defect duplicate-ws-handler');
    expect(renderConsoleSummary(sampleResult({ verdict: 'passed', checks: [CHECKS[0]!] }))).toContain('PASSED: 1 hub checks, 0 skipped');
    expect(renderConsoleSummary(sampleResult({ verdict: 'interrupted' }))).toContain('INTERRUPTED');
    const invalid = renderConsoleSummary(sampleResult({ verdict: 'invalid', invalid: { reasons: ['event-loop-lag: p99 delay reached 900 ms'], fix: 'run fewer agents' } }));
    expect(invalid).toContain('INVALID: this run cannot judge the hub');
    expect(invalid).toContain('  - event-loop-lag: p99 delay reached 900 ms');
    expect(invalid).toContain('fix: run fewer agents');
  });
});
