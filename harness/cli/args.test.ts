import { describe, expect, test } from 'vitest';
import type { HubChoice } from '../runtime/hubs/index.ts';
import { hubChoiceFlags, hubRuntimes } from '../runtime/hubs/runtimes.ts';
import { parseCliArgs, parseDuration, USAGE } from './args.ts';

const usage = { name: 'HarnessError', code: 'EC_USAGE' };

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['20s', 20_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['7', 7_000],
    [' 4s ', 4_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration('--duration', text)).toBe(ms);
  });

  test.each(['', 's', '5x', '-5s', '1e3', '5 s', '0s', '0', '0.0001s'])('%j is refused with EC_USAGE', (text) => {
    expect(() => parseDuration('--duration', text)).toThrow(expect.objectContaining(usage));
  });
});

describe('parseCliArgs', () => {
  test('a full command line parses into typed values', () => {
    expect(parseCliArgs([
      'loop', '--agents', '25', '--duration', '90s', '--seed', '42', '--defect', 'a,b', '--defect', 'c',
      '--hub-url', 'http://127.0.0.1:8080', '--agent-id-prefix', 'site-', '--token', 't0k',
      '--report-dir', 'out', '--loop-cycles', '4', '--loop-max-connection', '2s',
    ])).toMatchObject({
      command: 'run',
      scenario: 'loop',
      help: false,
      agents: 25,
      durationMs: 90_000,
      seed: '42',
      defects: ['a', 'b', 'c'],
      hubUrl: 'http://127.0.0.1:8080',
      agentIdPrefix: 'site-',
      token: 't0k',
      reportDir: 'out',
      loopMinCycles: 4,
      loopMaxConnectionMs: 2_000,
    });
  });

  test('no scenario is help; "list" lists; --help on a scenario is a run command with help', () => {
    expect(parseCliArgs([])).toMatchObject({ command: 'help', help: false });
    expect(parseCliArgs(['list'])).toMatchObject({ command: 'list' });
    expect(parseCliArgs(['loop', '-h'])).toMatchObject({ command: 'run', scenario: 'loop', help: true });
    expect(parseCliArgs(['loop'])).toMatchObject({ agents: undefined, durationMs: undefined, defects: [] });
  });

  test.each([
    ['--agents 0', ['loop', '--agents', '0']],
    ['--agents -3', ['loop', '--agents=-3']],
    ['--agents 1.5', ['loop', '--agents', '1.5']],
    ['--agents ten', ['loop', '--agents', 'ten']],
    ['--agents 1e3', ['loop', '--agents', '1e3']],
    ['--duration 5x', ['loop', '--duration', '5x']],
    ['--duration 0s', ['loop', '--duration', '0s']],
    ['an unknown flag', ['loop', '--nope']],
    ['a flag without its value', ['loop', '--agents']],
    ['two scenarios', ['loop', 'other']],
    ['a non-http hub url', ['loop', '--hub-url', 'ftp://hub']],
    ['a hub url that is not a URL', ['loop', '--hub-url', 'localhost:8080']],
    ['a seed with spaces', ['loop', '--seed', 'a b']],
    ['--loop-cycles 1', ['loop', '--loop-cycles', '1']],
    ['--loop-max-connection 0ms', ['loop', '--loop-max-connection', '0ms']],
  ])('%s is refused with EC_USAGE', (_what, argv) => {
    expect(() => parseCliArgs(argv)).toThrow(expect.objectContaining(usage));
  });

  test('a usage error carries a fix line', () => {
    try {
      parseCliArgs(['loop', '--agents', '0']);
      expect.unreachable();
    } catch (error) {
      expect((error as { fix: string }).fix).not.toBe('');
    }
  });
  test('--duration past what a timer can hold (600h) is refused naming the limit, never a silent 1 ms', () => {
    expect(() => parseCliArgs(['loop', '--duration', '600h'])).toThrow(expect.objectContaining({ code: 'EC_USAGE', message: expect.stringContaining('24.8 days') }));
  });
});

describe('--hub-ping-interval', () => {
  test('parses a duration into hubPingIntervalMs; absent is undefined (the scenario\'s, or 10 s for --hub-url)', () => {
    expect(parseCliArgs(['loop', '--hub-url', 'http://127.0.0.1:8080', '--hub-ping-interval', '30s']).hubPingIntervalMs).toBe(30_000);
    expect(parseCliArgs(['loop', '--hub-ping-interval', '10ms']).hubPingIntervalMs).toBe(10);
    expect(parseCliArgs(['loop']).hubPingIntervalMs).toBeUndefined();
  });

  test('under 10 ms or not a duration is EC_USAGE with a fix', () => {
    for (const bad of ['9ms', 'soon']) {
      expect(() => parseCliArgs(['loop', '--hub-ping-interval', bad]), bad).toThrow(expect.objectContaining({ code: 'EC_USAGE', message: expect.stringContaining('--hub-ping-interval'), fix: expect.any(String) }));
    }
  });
});

describe('the hub flags, from HUB_RUNTIMES', () => {
  const choices: HubChoice[] = [
    { kind: 'in-process' },
    { kind: 'child-process' },
    { kind: 'container' },
    { kind: 'container', image: 'my-org/my-hub:1.2' },
    { kind: 'container', image: 'my-org/my-hub:1.2', port: 8081 },
    { kind: 'command', command: 'node my-hub.js --port "$PORT"' },
    { kind: 'external', url: 'http://127.0.0.1:8080' },
  ];
  test.each(choices)('%j: the flags a replay names parse back to the same choice', (choice) => {
    const argv = hubChoiceFlags(choice).flatMap(({ flag, value }) => [flag, value]);
    expect(parseCliArgs(['loop', ...argv]).hub).toEqual(choice);
  });

  test('--help names every runtime --hub-runtime takes and every field flag; each flag is parsed, not refused as unknown', () => {
    for (const [kind, runtime] of hubRuntimes()) {
      if (runtime.named) expect(USAGE).toMatch(new RegExp(`--hub-runtime R .*\\b${kind}\\b`));
      for (const field of Object.values(runtime.fields)) {
        expect(USAGE).toMatch(new RegExp(`^  ${field.flag} ${field.arg} `, 'm'));
        expect(() => parseCliArgs(['loop', field.flag, 'x'])).not.toThrow(/Unknown option/);
      }
    }
  });

  test('two flags that each choose the hub, and a field without the flag it goes with, are usage errors naming both', () => {
    expect(() => parseCliArgs(['loop', '--hub-url', 'http://127.0.0.1:1', '--hub-cmd', 'x'])).toThrow(expect.objectContaining({ ...usage, message: '--hub-url and --hub-cmd each choose the hub; pass one' }));
    expect(() => parseCliArgs(['loop', '--hub-runtime', 'container', '--hub-port', '80'])).toThrow(expect.objectContaining({ ...usage, message: '--hub-port goes with --hub-image', fix: 'pass --hub-image IMAGE --hub-port PORT, or drop --hub-port' }));
    expect(() => parseCliArgs(['loop', '--hub-runtime', 'command'])).toThrow(expect.objectContaining({ ...usage, message: '--hub-runtime "command" is not a hub runtime', fix: 'use in-process, child-process or container' }));
  });
});
