import type { AgentEvent } from '../../agent/events.ts';
import { Fleet } from '../../harness/runtime/fleet/fleet.ts';
import { createRng } from '../../common/rng.ts';
import { startBounded, type BoundedStart } from './bounded-start.ts';
import type { ConnectionHolder, HolderSetup } from './messages.ts';

const WARM_UP_AGENTS = 5;

/**
 * Our side: a Fleet of EdgeAgents, built as the harness builds it, minus
 * the event history (the sink only counts), so what is measured is the
 * agents' own cost. Its agents are started by the bench's bounded driver
 * rather than Fleet.start's ramp (bounded-start.ts says why). Idle: the hub
 * pings rarely and sends no commands, and a connected agent does not poll.
 */
export function fleetHolder(setup: HolderSetup): ConnectionHolder {
  let open = 0;
  let failedAttempts = 0;
  let onOpen: (() => void) | undefined;
  let driver: BoundedStart | undefined;
  const sink = (event: AgentEvent): void => {
    if (event.type === 'ws.open') {
      open += 1;
      driver?.opened();
      onOpen?.();
    } else if (event.type === 'ws.close') open -= 1;
    else if (event.type === 'ws.failed') failedAttempts += 1;
  };
  const build = (agents: number, idPrefix: string): Fleet =>
    new Fleet({
      agents,
      idPrefix,
      hubUrl: setup.hubUrl,
      rng: createRng('bench'),
      clock: () => performance.now(),
      sink,
      pingIntervalMs: setup.pingIntervalMs,
    });
  const untilOpen = (count: number): Promise<void> =>
    new Promise((resolve) => {
      onOpen = () => {
        if (open >= count) resolve();
      };
      onOpen();
    });
  let fleet: Fleet | undefined;

  return {
    async warmUp() {
      const warm = build(WARM_UP_AGENTS, 'bench-warm-');
      await warm.start();
      await untilOpen(WARM_UP_AGENTS);
      await warm.stop();
      failedAttempts = 0;
    },
    async connectAll() {
      const started = (fleet = build(setup.agents, 'bench-fleet-'));
      driver = startBounded(setup.agents, setup.maxInFlight, (index) => started.agents[index]!.start());
      await untilOpen(setup.agents);
      driver = undefined;
      onOpen = undefined;
      return { failedAttempts };
    },
    openCount: () => open,
    async close() {
      await fleet?.stop();
    },
  };
}
