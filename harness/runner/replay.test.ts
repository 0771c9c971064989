import { describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { parseCliArgs } from '../cli/args.ts';
import { resolveParams } from './params.ts';
import { replayCommand } from './replay.ts';

/** The replay command's words after `--`, as a shell would split these (no quotes needed in them). */
function replayArgs(command: string): string[] {
  const [, args] = command.split(' -- ');
  return ['loop', ...args!.split(' ')];
}

describe('the replay command of a fleet runner', () => {
  test('names the runner and every setting it was given, and parses back to the same choice', () => {
    const fleetRunner = { kind: 'kubernetes', image: 'registry.example.com/edge-chaos:1.0', namespace: 'ci', shardCpu: '250m', collectorUrl: 'http://coordinator.ci.svc:9090' } as const;
    const params = resolveParams(SCENARIOS.get('loop')!, { agents: 10, seed: '4', hubUrl: 'http://hub.ci.svc:8080', fleetRunner, fleetShards: 3 });
    const replay = replayCommand('loop', params);
    expect(replay).toContain('--fleet-shards 3 --fleet-runner kubernetes --image registry.example.com/edge-chaos:1.0 --namespace ci --shard-cpu 250m --collector-url http://coordinator.ci.svc:9090');
    const parsed = parseCliArgs(replayArgs(replay));
    expect([parsed.fleetRunner, parsed.fleetShards]).toEqual([fleetRunner, 3]);
  });

  test('the local runner and a library caller\'s own launcher add no --fleet-runner', () => {
    const loop = SCENARIOS.get('loop')!;
    expect(replayCommand('loop', resolveParams(loop, { fleetRunner: { kind: 'local' } }))).not.toContain('--fleet-runner');
    const own = { name: 'mine', start: () => Promise.reject(new Error('not started here')) };
    expect(replayCommand('loop', resolveParams(loop, { fleetRunner: own }))).not.toContain('--fleet-runner');
  });
});

describe('the hub runtime a run picks and its replay', () => {
  test('a big fleet gets the reference hub in its own process; an in-process hub asked for over that default is named in the replay', () => {
    const storm = SCENARIOS.get('storm')!;
    const byDefault = resolveParams(storm, { seed: '1' });
    expect(byDefault.hub).toEqual({ kind: 'child-process' });
    expect(replayCommand('storm', byDefault)).toContain('--hub-runtime child-process');
    const asked = resolveParams(storm, { seed: '1', hub: { kind: 'in-process' } });
    expect(asked.hub).toEqual({ kind: 'in-process' });
    const replay = replayCommand('storm', asked);
    expect(replay).toContain('--hub-runtime in-process');
    expect(parseCliArgs(['storm', ...replay.split(' -- ')[1]!.split(' ')]).hub).toEqual({ kind: 'in-process' });
  });

  test('a small fleet keeps the in-process hub, and its replay adds no --hub-runtime', () => {
    const loop = SCENARIOS.get('loop')!;
    expect(resolveParams(loop, {}).hub).toEqual({ kind: 'in-process' });
    expect(replayCommand('loop', resolveParams(loop, {}))).not.toContain('--hub-runtime');
    // The same scenario scaled past the bound moves its hub off the judge's loop.
    expect(resolveParams(loop, { agents: 51 }).hub).toEqual({ kind: 'child-process' });
    expect(resolveParams(loop, { agents: 50 }).hub).toEqual({ kind: 'in-process' });
  });
});
