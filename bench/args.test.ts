import { describe, expect, it } from 'vitest';
import { CURVE_SIZES, parseBenchArgs, UsageError, type BenchArgs } from './args.ts';
import { ALL_PROTOCOLS, sidesOf } from './sides.ts';

const parse = (...argv: string[]): BenchArgs => parseBenchArgs(argv) as BenchArgs;

describe('bench flags', () => {
  it('measures one size by default, 2,000 connections once per side with --quick', () => {
    expect(parse()).toMatchObject({ agents: 5_000, sizes: [5_000], curve: false, runsPerSide: 3, curveSvgPath: undefined });
    expect(parse('--quick')).toMatchObject({ agents: 2_000, sizes: [2_000], runsPerSide: 1 });
  });

  it('only the curve writes docs/benchmarks.md by default: a run without it would drop the chart', () => {
    expect(parse().outPath).toMatch(/[/\\]reports[/\\]benchmarks\.md$/);
    expect(parse('--curve').outPath).toMatch(/[/\\]docs[/\\]benchmarks\.md$/);
    expect(parse('--curve').curveSvgPath).toMatch(/[/\\]docs[/\\]benchmarks-curve\.svg$/);
  });

  it('--curve measures 1k to 10k and puts the chart beside the markdown; the headline is 5,000', () => {
    const args = parse('--curve', '--out', '/tmp/x/bench.md');
    expect(args).toMatchObject({ curve: true, sizes: [...CURVE_SIZES], agents: 5_000, curveSvgPath: '/tmp/x/bench-curve.svg' });
  });

  it('--sizes implies --curve, sorts, and the headline is the largest unless 5,000 is there', () => {
    expect(parse('--sizes', '2000,1000')).toMatchObject({ curve: true, sizes: [1_000, 2_000], agents: 2_000 });
    expect(parse('--sizes', '1000,2000', '--agents', '1000')).toMatchObject({ agents: 1_000 });
  });

  it('measures every protocol by default; --protocols chooses some, in a fixed order whatever the order given', () => {
    expect(parse().protocols).toEqual(['v1', 'json', 'socket.io']);
    expect(parse('--protocols', 'socket.io,v1').protocols).toEqual(['v1', 'socket.io']);
    expect(parse('--protocols', ' json ').protocols).toEqual(['json']);
  });

  it('v1 brings bare ws with it; the other protocols are one Fleet each', () => {
    expect(sidesOf(['v1'])).toEqual(['fleet', 'bare']);
    expect(sidesOf(['socket.io', 'json'])).toEqual(['json', 'socketio']);
    expect(sidesOf(ALL_PROTOCOLS)).toEqual(['fleet', 'bare', 'json', 'socketio']);
  });

  it('refuses an unknown or repeated protocol, naming it and listing the known ones', () => {
    const refusal = (value: string): UsageError => {
      try {
        parseBenchArgs(['--protocols', value]);
      } catch (error) {
        return error as UsageError;
      }
      throw new Error(`--protocols ${value} was taken`);
    };
    expect(refusal('v1,socketio').message).toMatch(/"socketio" is not one of them/);
    expect(refusal('v1,socketio').fix).toMatch(/v1, json, socket\.io/);
    expect(refusal('v1,v1').message).toMatch(/at most once/);
    expect(refusal('').message).toMatch(/"" is not one of them/);
  });

  it('refuses what it cannot do, naming the value', () => {
    for (const argv of [['--sizes', '1000,1000'], ['--sizes', '1000,x'], ['--sizes', ''], ['--curve', '--quick'], ['--sizes', '1000,2000', '--agents', '3000'], ['--runs', '6'], ['--agents', '0'], ['--protocols', 'ws']]) {
      expect(() => parseBenchArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});
