import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunResult } from '../runner/result.ts';
import { writeReports } from './index.ts';
import { shortLoopRun } from './real-run.test-support.ts';

/** What CI reads from a real run that caught the incident: summary.md, the step summary, summary.json against its schema, junit.xml. */
let dir = '';
let result: RunResult;
const schema = JSON.parse(await readFile(new URL('../../docs/report-schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-chaos-ci-'));
  result = await shortLoopRun({ defect: true, seed: '9' });
  expect(result.verdict).toBe('failed');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CI outputs of a real failing run', () => {
  test('summary.md has the verdict, parameters, one row per check, the failed evidence folded, and the replay command', async () => {
    const stepSummary = join(dir, 'step-summary.md');
    await writeFile(stepSummary, '# earlier step\n');
    await writeReports(result, join(dir, 'run'), { stepSummaryFile: stepSummary });
    const md = await readFile(join(dir, 'run', 'summary.md'), 'utf8');

    expect(md).toMatch(/^## ❌ FAILED: edge-chaos `loop` \(\d+ of \d+ hub checks failed\)/);
    expect(md).toContain('| seed | `9` |');
    expect(md).toContain('| hub defects | `duplicate-ws-handler` |');
    for (const check of result.checks) expect(md).toMatch(new RegExp(`^\\| [^|]+ \\| \`${check.id}\` \\| .+ \\|$`, 'm'));
    const failed = result.checks.filter((c) => c.status === 'failed');
    expect(md.match(/<details>/g)).toHaveLength(failed.length);
    // How many agents loop within a few seconds depends on the machine's load; that the loop is named does not.
    expect(md).toMatch(/<details><summary><code>connection-loop<\/code>: connection loop: \d\/3 agents/);
    expect(md).toContain('"reason": "New connection established"');
    expect(md).toContain(`\`\`\`sh\n${result.replay}\n\`\`\``);

    // Appended, not overwritten: earlier steps keep their part of the job page.
    expect(await readFile(stepSummary, 'utf8')).toBe(`# earlier step\n${md}\n`);
  });

  test('summary.json matches the published schema (docs/report-schema.json), and the schema rejects a wrong one', async () => {
    await writeReports(result, join(dir, 'schema'));
    const summary = JSON.parse(await readFile(join(dir, 'schema', 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(validate(summary), ajv.errorsText(validate.errors)).toBe(true);
    expect(summary.schemaVersion).toBe(1);

    const broken = structuredClone(summary) as { verdict: string; checks: Record<string, unknown>[] };
    broken.verdict = 'maybe';
    delete broken.checks[0]!.evidence;
    expect(validate(broken)).toBe(false);
    expect(ajv.errorsText(validate.errors)).toContain('verdict');
  });

  test('junit.xml carries each failed check’s evidence in its failure body', async () => {
    await writeReports(result, join(dir, 'junit'));
    const xml = await readFile(join(dir, 'junit', 'junit.xml'), 'utf8');
    const failure = /<failure message="connection loop[^"]*" type="connection-loop">([^<]*)<\/failure>/.exec(xml);
    expect(failure?.[1]).toContain('evidence:');
    expect(failure?.[1]).toContain('&quot;reason&quot;: &quot;New connection established&quot;');
  });
});
