import { expect, test } from 'vitest';
import { RawHub } from '../protocol/raw-hub.test-support.ts';
import { startAgent } from './agent.test-support.ts';

/**
 * A hub that takes a poll and never answers (it died mid-request behind a
 * proxy, or hangs): the agent gives up on that poll after its HTTP timeout,
 * says so, and polls again. Seen at 5,000 agents: an agent whose first poll
 * hung stopped polling for the rest of a crash redeploy.
 */
test('a poll that gets no answer times out, is recorded, and polling goes on', async () => {
  // No WebSocket: every upgrade is refused, so the agent falls back to polling at once.
  await using hub = await RawHub.start({ acceptUpgrades: false });
  hub.holdPolls = true;
  await using a = startAgent({ hubUrl: hub.url, httpTimeoutMs: 200 });
  const second = await a.rec.nth('poll', 2, (e) => !e.ok);
  expect(second).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
  expect(hub.polls).toBeGreaterThanOrEqual(2);
});
