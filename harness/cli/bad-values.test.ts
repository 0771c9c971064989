import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from './cli.ts';

/**
 * Every option of `npm run scenario -- --help` with bad values: each is
 * refused before anything starts, with exactly two lines on stderr (the
 * cause naming the option, then the fix) and exit 2. Run in-process through
 * the CLI's own entry; a value wrongly accepted would start a 1-agent, 1 s
 * run and fail on its exit code.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-bad-values-'));
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a folder');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = ['loop', '--agents', '1', '--duration', '1s', '--report-dir', join(tmp, 'would-run')];
const CONTROL = 'a\nb';
const ESC = 'x\x1b[2Jy';

// [option, value, what the cause line must name]
const CASES: [string, string, RegExp][] = [
  ['--agents', '', /--agents/],
  ['--agents', '-5', /--agents -5 .*whole number >= 1/],
  ['--agents', '0', /--agents 0/],
  ['--agents', '1.5', /--agents 1\.5/],
  ['--agents', 'ten', /--agents ten/],
  ['--agents', '99999999999999999999', /--agents/],
  ['--agents', '1000001', /--agents 1000001 .*at most/],
  ['--agents', CONTROL, /--agents/],
  ['--duration', '', /--duration/],
  ['--duration', '-5s', /--duration/],
  ['--duration', '0', /--duration/],
  ['--duration', '5x', /--duration/],
  ['--duration', '600h', /--duration/],
  ['--duration', ESC, /--duration/],
  ['--defect', '', /--defect/],
  ['--defect', 'no-such', /no-such/],
  ['--defect', CONTROL, /--defect/],
  ['--hub-runtime', '', /--hub-runtime/],
  ['--hub-runtime', 'kubernetes', /kubernetes/],
  ['--hub-runtime', ESC, /--hub-runtime/],
  ['--hub-url', '', /--hub-url/],
  ['--hub-url', 'ftp://x', /ftp/],
  ['--hub-url', 'localhost:8080', /localhost/],
  ['--hub-url', 'http://a\nb', /--hub-url/],
  ['--hub-cmd', '', /--hub-cmd/],
  ['--hub-cmd', '   ', /--hub-cmd/],
  ['--hub-image', '', /--hub-image/],
  ['--hub-port', '70000', /--hub-port/],
  ['--agent-defect', '', /--agent-defect/],
  ['--agent-defect', 'sleepy', /sleepy/],
  ['--fleet-shards', '-1', /--fleet-shards -1/],
  ['--fleet-shards', 'many', /--fleet-shards many/],
  ['--fleet-shards', '100000', /--fleet-shards 100000 .*at most/],
  ['--fleet-runner', 'cloud', /--fleet-runner cloud is not a fleet runner/],
  ['--fleet-runner', '', /--fleet-runner/],
  ['--metrics-port', '70000', /--metrics-port 70000 .*at most 65535/],
  ['--metrics-port', 'any', /--metrics-port any/],
  ['--agent-id-prefix', 'a b', /prefix/],
  ['--agent-id-prefix', 'x'.repeat(300), /prefix/],
  ['--agent-id-prefix', CONTROL, /--agent-id-prefix/],
  ['--token', '', /--token/],
  ['--token', 'a b', /--token/],
  ['--token', CONTROL, /--token/],
  ['--admin-token', '', /--admin-token/],
  ['--admin-token', 'a b', /--admin-token/],
  ['--toxiproxy', '', /--toxiproxy/],
  ['--toxiproxy', 'process:0', /--toxiproxy process:0/],
  ['--toxiproxy', 'process:17', /--toxiproxy process:17 .*16/],
  ['--toxiproxy', 'process:-2', /--toxiproxy/],
  ['--hub-ping-interval', '', /--hub-ping-interval/],
  ['--hub-ping-interval', '5ms', /--hub-ping-interval/],
  ['--hub-ping-interval', '-2s', /--hub-ping-interval/],
  ['--toxiproxy', 'nope', /nope/],
  ['--seed', '', /--seed/],
  ['--seed', '-1', /--seed/],
  ['--seed', 'x'.repeat(65), /--seed/],
  ['--seed', CONTROL, /--seed/],
  ['--report-dir', '', /--report-dir/],
  ['--report-dir', '/proc/r', /--report-dir/],
  ['--report-dir', join(aFile, 'r'), /--report-dir/],
  ['--report-dir', CONTROL, /--report-dir/],
  ['--loop-cycles', '', /--loop-cycles/],
  ['--loop-cycles', '1', /--loop-cycles 1/],
  ['--loop-cycles', '-3', /--loop-cycles -3/],
  ['--loop-cycles', '99999999', /--loop-cycles 99999999 .*at most/],
  ['--loop-max-connection', '', /--loop-max-connection/],
  ['--loop-max-connection', '-1s', /--loop-max-connection/],
  ['--loop-max-connection', '0ms', /--loop-max-connection/],
  ['--nope', 'x', /--nope/],
];

function streams() {
  let out = '';
  let err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

describe('bad values on the command line: two lines on stderr, exit 2', () => {
  test.each(CASES)('%s %j', async (option, value, named) => {
    const s = streams();
    const code = await runCli([...BASE, option, value], s.io);
    const lines = s.err().replace(/\n$/, '').split('\n');
    expect(lines, s.err()).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(named);
    expect(lines[1]).toMatch(/^fix: \S/);
    expect(code).toBe(2);
    expect(s.out()).toBe('');
  }, 15_000);

  test('--hub-port without --hub-image, two hub choices, and two scenarios likewise', async () => {
    for (const argv of [[...BASE, '--hub-port', '80'], [...BASE, '--fleet-runner', 'local-network', '--fleet-shards', '0'], [...BASE, '--hub-url', 'http://127.0.0.1:1', '--hub-cmd', 'x'], ['loop', 'other']]) {
      const s = streams();
      expect(await runCli(argv, s.io), s.err()).toBe(2);
      expect(s.err().replace(/\n$/, '').split('\n'), s.err()).toHaveLength(2);
    }
  });

  // Through the real CLI: under vitest a file is compiled by vite, not by tsx's esbuild, and fails with other text.
  test('a scenario file with a syntax error: one cause line with file:line:column, one fix line', () => {
    const file = join(tmp, 'syntax-error.ts');
    writeFileSync(file, "// line 1\nexport default {\n  name: 'broken',\n  oops: (,\n};\n");
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(2);
    const lines = run.stderr.replace(/\n$/, '').split('\n');
    expect(lines, run.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: .*syntax-error\.ts:4:\d+/);
    expect(lines[1]).toMatch(/^fix: \S/);
  });

  test('an unexpected failure: one line naming it, a fix pointing at --debug; --debug adds the stack', async () => {
    const plain = streams();
    expect(await runCli(['harness/cli/fixtures/checks-throw.ts', '--agents', '1', '--duration', '1s'], plain.io)).toBe(2);
    const lines = plain.err().replace(/\n$/, '').split('\n');
    expect(lines, plain.err()).toHaveLength(2);
    expect(lines[0]).toBe('error: unexpected failure in the harness: TypeError: checks exploded on purpose');
    expect(lines[1]).toMatch(/^fix: .*--debug.*report/);

    const debug = streams();
    expect(await runCli(['harness/cli/fixtures/checks-throw.ts', '--agents', '1', '--duration', '1s', '--debug'], debug.io)).toBe(2);
    expect(debug.err()).toMatch(/^error: unexpected failure in the harness: TypeError: checks exploded on purpose\n/);
    expect(debug.err()).toMatch(/\n\s+at .*checks-throw\.ts/);
  });
});
