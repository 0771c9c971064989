import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkReportDir, defaultReportDir, writeReports } from './index.ts';
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

  test.each(['/proc/edge-chaos-report', '/sys/edge-chaos/report', '/proc/self/report'])('%s (the kernel\'s own folders, where a recursive mkdir spins) is refused with EC_REPORT_WRITE, quickly', async (dir) => {
    await expect(writeReports(sampleResult(), dir)).rejects.toMatchObject({ code: 'EC_REPORT_WRITE', message: expect.stringContaining(dir) });
    // The bug spun forever; a bound this generous still proves that, and a loaded CI machine stays green.
  }, 30_000);

  test('checkReportDir: a folder whose parent is a regular file, or a file in its place, is refused without creating anything', async () => {
    const file = join(tmp, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => checkReportDir(join(file, 'a', 'b'))).toThrow(expect.objectContaining({ code: 'EC_REPORT_WRITE', message: expect.stringContaining('is a file, not a folder') }));
    expect(() => checkReportDir(file)).toThrow(expect.objectContaining({ code: 'EC_REPORT_WRITE' }));
    const fresh = join(tmp, 'not-yet', 'report');
    checkReportDir(fresh);
    expect(existsSync(join(tmp, 'not-yet'))).toBe(false);
  });

  test('the default folder names the scenario and sorts by start time', () => {
    expect(defaultReportDir(sampleResult(), 'reports')).toBe(join('reports', 'loop-2025-11-18T10-00-00Z'));
  });
});
