import { describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { startHub } from '../../server/start.ts';
import { parseCliArgs } from '../cli/args.ts';
import { runScenario } from './run.ts';

const loop = SCENARIOS.get('loop')!;

describe('the harness sends the admin token on its own hub calls', () => {
  test('a --hub-url hub with separate agent and admin tokens: agents use --token, admin calls and the /metrics scrape use --admin-token', async () => {
    await using hub = await startHub({ tokens: ['agent-t'], adminTokens: ['admin-t'] });
    const result = await runScenario(loop, { hubUrl: hub.url, token: 'agent-t', adminToken: 'admin-t', agents: 2, durationMs: 2_000, seed: '7' });
    expect(result.hub).toMatchObject({ metrics: true, admin: true });
    expect(result.stats.commandsIssued).toBeGreaterThan(0);
    expect(result.verdict).toBe('passed');
  });

  test('the in-process hub with --token only: the same token opens the admin routes and /metrics', async () => {
    const result = await runScenario(loop, { token: 'one-t', agents: 2, durationMs: 2_000, seed: '8' });
    expect(result.hub).toMatchObject({ metrics: true, admin: true });
    expect(result.verdict).toBe('passed');
  });

  test('--admin-token on the scenario command line', () => {
    expect(parseCliArgs(['loop', '--hub-url', 'http://127.0.0.1:8080', '--token', 'a', '--admin-token', 'b'])).toMatchObject({ token: 'a', adminToken: 'b' });
  });
});
