import { describe, expect, test } from 'vitest';
import { EdgeChaosError } from '../../common/errors.ts';
import { checkRunOptions, RUN_OPTION_NAMES } from './check-options.ts';

/**
 * The one check of a run's options (RunOptions), which runScenario applies
 * to what the library and the command line pass: without a run, so a case
 * wrongly accepted costs nothing (and starts nothing, such as a million agents).
 */
function refusal(options: unknown, extra?: Parameters<typeof checkRunOptions>[1]): EdgeChaosError {
  try {
    checkRunOptions(options, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeChaosError);
    return error as EdgeChaosError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('names', () => {
  test('every RunOptions name, in the order the docs list them', () => {
    expect(RUN_OPTION_NAMES.slice(0, 4)).toEqual(['agents', 'durationMs', 'seed', 'hubDefects']);
    expect(RUN_OPTION_NAMES).toContain('onProgress');
  });

  test('an unknown name: EC_BAD_OPTION, the closest name, and every valid one in the fix', () => {
    const error = refusal({ defects: ['duplicate-ws-handler'] });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(/"defects".*did you mean hubDefects\?/);
    for (const name of RUN_OPTION_NAMES) expect(error.fix).toContain(name);
  });

  test('extra names a caller adds (the library: reportDir) are valid and suggested', () => {
    expect(() => checkRunOptions({ reportDir: 'x' }, { reportDir: () => {} })).not.toThrow();
    expect(refusal({ reportdir: 'x' }, { reportDir: () => {} }).message).toMatch(/did you mean reportDir\?/);
  });

  test('undefined values count as absent', () => {
    expect(() => checkRunOptions({ agents: undefined, hub: undefined, toxiproxy: undefined })).not.toThrow();
    expect(() => checkRunOptions(undefined)).not.toThrow();
  });

  test.each([
    ['hub', { kind: 'container', prot: 8080 }, /hub\.prot.*did you mean port\?/],
    ['hub', { kind: 'external', url: 'http://127.0.0.1:1', image: 'x' }, /hub\.image/],
    ['toxiproxy', { kind: 'process', server: 2 }, /toxiproxy\.server\b.*did you mean servers\?/],
  ])('inside %s: %j', (option, value, named) => {
    const error = refusal({ [option]: value });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(named);
  });
});

// [options, what the message must name]
const BAD_VALUES: [Record<string, unknown>, RegExp][] = [
  [{ agents: -5 }, /agents.*-5/],
  [{ agents: 0 }, /agents.*0/],
  [{ agents: 1.5 }, /agents.*1\.5/],
  [{ agents: '5' }, /agents.*"5"/],
  [{ agents: 1_000_001 }, /agents.*1000001.*at most/],
  [{ durationMs: -1 }, /durationMs.*-1/],
  [{ durationMs: 0 }, /durationMs/],
  [{ durationMs: '20s' }, /durationMs.*"20s"/],
  [{ durationMs: Number.NaN }, /durationMs/],
  [{ durationMs: 2 ** 40 }, /durationMs.*maximum/],
  [{ seed: 42 }, /seed.*42/],
  [{ seed: '-1' }, /seed.*-1/],
  [{ hubDefects: 'duplicate-ws-handler' }, /hubDefects.*array/],
  [{ hubDefects: ['duplicate-ws-handlr'] }, /duplicate-ws-handlr.*did you mean duplicate-ws-handler\?/],
  [{ hubDefects: [42] }, /hubDefects/],
  [{ agentDefects: ['no-jiter'] }, /no-jiter.*did you mean no-jitter\?/],
  [{ hubUrl: 'localhost:8080' }, /hubUrl.*localhost/],
  [{ hubUrl: 'ftp://x' }, /hubUrl.*ftp/],
  [{ hubUrl: 'http://127.0.0.1:1', hub: { kind: 'in-process' } }, /hubUrl.*hub/],
  [{ hub: 'in-process' }, /hub.*object/],
  [{ hub: { kind: 'kubernetes' } }, /hub\.kind.*kubernetes/],
  [{ hub: { kind: 'in-proces' } }, /in-proces.*did you mean in-process\?/],
  [{ hub: { kind: 'container', port: 70_000 } }, /hub\.port.*70000/],
  [{ hub: { kind: 'container', image: '' } }, /hub\.image/],
  [{ hub: { kind: 'external' } }, /hub\.url/],
  [{ hub: { kind: 'external', url: 'ftp://x' } }, /hub\.url.*ftp/],
  [{ hub: { kind: 'command', command: '  ' } }, /hub\.command/],
  [{ hubPingIntervalMs: 5 }, /hubPingIntervalMs.*5/],
  [{ toxiproxy: 'embedded' }, /toxiproxy.*object/],
  [{ toxiproxy: { kind: 'proces', servers: 2 } }, /proces.*did you mean process\?/],
  [{ toxiproxy: { kind: 'process', servers: 0 } }, /toxiproxy\.servers.*0/],
  [{ toxiproxy: { kind: 'process', servers: 17 } }, /toxiproxy\.servers.*17/],
  [{ toxiproxy: { kind: 'url', url: 'nope' } }, /toxiproxy\.url.*nope/],
  [{ fleetShards: -1 }, /fleetShards.*-1/],
  // Each runner's own bound (64 local shards) is validateFleetRunner's, with the runner known.
  [{ fleetShards: 1_001 }, /fleetShards.*1001.*at most 1000/],
  [{ fleetRunner: { kind: 'containerz' } }, /fleetRunner\.kind.*did you mean containers\?/],
  [{ fleetRunner: { kind: 'local', image: 'x' } }, /fleetRunner\.image.*settings of fleet runner 'local'/],
  [{ maxEvents: 0 }, /maxEvents.*0/],
  [{ agentIdPrefix: 7 }, /agentIdPrefix.*7/],
  [{ agentIdPrefix: 'a b' }, /prefix/],
  [{ token: '' }, /token/],
  [{ token: 'a b' }, /token/],
  [{ adminToken: 'a b' }, /adminToken/],
  [{ loopMinCycles: 1 }, /loopMinCycles.*1/],
  [{ loopMinCycles: 2.5 }, /loopMinCycles.*2\.5/],
  [{ loopMaxConnectionMs: 0 }, /loopMaxConnectionMs/],
  [{ signal: {} }, /signal.*AbortSignal/],
  [{ onProgress: 'log' }, /onProgress.*function/],
  [{ scenarioSource: 5 }, /scenarioSource/],
];

describe('bad values: EC_BAD_OPTION naming the option and the value, with a fix', () => {
  test.each(BAD_VALUES)('%j', (bad, named) => {
    const error = refusal(bad);
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(named);
    expect(error.fix).toMatch(/\S/);
  });

  test('good values pass', () => {
    expect(() =>
      checkRunOptions({
        agents: 10,
        durationMs: 20_000,
        seed: '42',
        hubDefects: ['duplicate-ws-handler'],
        hub: { kind: 'container', image: 'my/hub:1', port: 8080 },
        hubPingIntervalMs: 10_000,
        agentDefects: ['no-jitter'],
        maxEvents: 1_000,
        fleetShards: 0,
        agentIdPrefix: '',
        token: 't0k3n',
        adminToken: 'admin',
        toxiproxy: { kind: 'process', servers: 16 },
        loopMinCycles: 2,
        loopMaxConnectionMs: 5_000,
        signal: new AbortController().signal,
        onProgress: () => {},
        scenarioSource: './x.ts',
      }),
    ).not.toThrow();
    for (const hub of [{ kind: 'in-process' }, { kind: 'child-process' }, { kind: 'container' }, { kind: 'command', command: 'node hub.js' }, { kind: 'external', url: 'https://hub.example:8443/base' }]) {
      expect(() => checkRunOptions({ hub }), JSON.stringify(hub)).not.toThrow();
    }
    for (const toxiproxy of [{ kind: 'embedded' }, { kind: 'container' }, { kind: 'container', image: 'ghcr.io/shopify/toxiproxy' }, { kind: 'url', url: 'http://127.0.0.1:8474' }]) {
      expect(() => checkRunOptions({ toxiproxy }), JSON.stringify(toxiproxy)).not.toThrow();
    }
  });
});
