import { describe, expect, test } from 'vitest';
import { RESULT_SCHEMA_VERSION } from '../runner/result.ts';
import { CHECKS, sampleResult } from './result.test-support.ts';
import { renderSummaryJson } from './summary-json.ts';

describe('renderSummaryJson', () => {
  test('has the tool, schemaVersion and checks with evidence, and leaves out events, metrics text and agent ids', () => {
    const text = renderSummaryJson(sampleResult());
    expect(text.endsWith('}\n')).toBe(true);
    const summary = JSON.parse(text) as Record<string, unknown>;
    expect(summary).toMatchObject({ tool: 'edge-chaos', schemaVersion: RESULT_SCHEMA_VERSION, verdict: 'failed', params: { seed: '7' } });
    expect(RESULT_SCHEMA_VERSION).toBe(1);
    expect(summary.checks).toEqual(CHECKS);
    expect(summary).not.toHaveProperty('events');
    expect(summary).not.toHaveProperty('hubMetricsText');
    expect(summary).not.toHaveProperty('agentIds');
    expect(summary.replay).toContain('--seed 7');
  });
});
