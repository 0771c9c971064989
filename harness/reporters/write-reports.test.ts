import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultReportDir, writeReports } from './index.ts';
import { EVENTS, sampleResult } from './result.test-support.ts';

const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-reports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writeReports', () => {
  test('writes summary.json, junit.xml, events.ndjson, hub metrics and agent logs into the folder', async () => {
    const dir = join(tmp, 'run');
    const written = await writeReports(sampleResult(), dir);
    expect(written.map((f) => f.slice(dir.length + 1))).toEqual(expect.arrayContaining(
      ['summary.json', 'junit.xml', 'events.ndjson', 'hub-metrics.txt', 'agent-logs/agent-1.log', 'agent-logs/agent-2.log'],
    ));
    for (const file of written) expect(readFileSync(file, 'utf8').length, file).toBeGreaterThan(0);
    const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(EVENTS);
    expect(readdirSync(join(dir, 'agent-logs')).sort()).toEqual(['agent-1.log', 'agent-2.log']);
  });

  test('without hub metrics there is no hub-metrics.txt', async () => {
    const written = await writeReports(sampleResult({ hubMetricsText: undefined }), join(tmp, 'no-metrics'));
    expect(written.some((f) => f.endsWith('hub-metrics.txt'))).toBe(false);
  });

  test('a folder that cannot be created is EC_REPORT_WRITE', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a folder');
    await expect(writeReports(sampleResult(), join(file, 'report'))).rejects.toMatchObject({ code: 'EC_REPORT_WRITE' });
  });

  test('the default folder names the scenario and sorts by start time', () => {
    expect(defaultReportDir(sampleResult(), 'reports')).toBe(join('reports', 'loop-2025-11-18T10-00-00Z'));
  });
});
