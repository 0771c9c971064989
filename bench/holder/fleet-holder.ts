import type { AgentEvent } from '../../agent/events.ts';
import { Fleet } from '../../harness/runtime/fleet/fleet.ts';
import { createRng } from '../../common/rng.ts';
import { loadProtocol } from '../../protocol/registry.ts';
import type { Protocol } from '../../protocol/wire.ts';
import type { FleetProtocol } from '../sides.ts';
import { startBounded, type BoundedStart } from './bounded-start.ts';
import type { ConnectionHolder, HolderSetup } from './messages.ts';

const WARM_UP_AGENTS = 5;

/**
 * The protocol with its agents' frame reader watched: `onSession` is called
 * for each frame that completes a session. One wrapper for the whole fleet
 * and no per-agent state, so it adds nothing per connection.
 */
function watchSessions(protocol: Protocol, sessionFrame: (text: string) => boolean, onSession: () => void): Protocol {
  const wire = protocol.agent;
  const agent = Object.create(wire) as typeof wire;
  Object.defineProperty(agent, 'read', {
    value: (text: string, agentId: string) => {
      const frame = wire.read(text, agentId);
      if (sessionFrame(text)) onSession();
      return frame;
    },
  });
  return { ...protocol, agent };
}

/**
 * Our side: a Fleet of EdgeAgents, built as the harness builds it, minus
 * the event history (the sink only counts), so what is measured is the
 * agents' own cost. Its agents are started by the bench's bounded driver
 * rather than Fleet.start's ramp (bounded-start.ts says why). Idle: the hub
 * pings rarely and sends no commands, and a connected agent does not poll.
 *
 * On v1 (`protocol.spec` undefined) the Fleet gets no protocol and uses its
 * default, as the harness's does, and a connection is open at the WebSocket
 * open. On another protocol it is open when the frame that completes that
 * wire's session arrives (sides.ts), so the connect rate includes the
 * protocol's own handshake.
 */
export async function fleetHolder(setup: HolderSetup, wireOf: FleetProtocol): Promise<ConnectionHolder> {
  let open = 0;
  let failedAttempts = 0;
  /** The last thing that went wrong, for a timeout's message. */
  let trouble: string | undefined;
  let onOpen: (() => void) | undefined;
  let driver: BoundedStart | undefined;
  const opened = (): void => {
    open += 1;
    driver?.opened();
    onOpen?.();
  };
  const sessionFrame = wireOf.sessionFrame;
  const sink = (event: AgentEvent): void => {
    if (event.type === 'ws.open') {
      if (!sessionFrame) opened();
    } else if (event.type === 'ws.close') {
      // Held connections only close when something is wrong (the bench fails on it); a close before the session
      // completed would make this undercount, and the connect then times out naming the close.
      open -= 1;
      trouble = `${event.agent}'s connection closed ${event.code} ${JSON.stringify(event.reason)}`;
    } else if (event.type === 'ws.failed') {
      failedAttempts += 1;
      trouble = `${event.agent}: ${event.error}`;
    } else if (event.type === 'wire.unrecognised') trouble = `${event.agent}: the profile did not read a frame: ${event.why}`;
  };
  let protocol: Protocol | undefined;
  if (wireOf.spec !== undefined) {
    const loaded = await loadProtocol(wireOf.spec, { env: { ...process.env, ...wireOf.env } });
    protocol = sessionFrame ? watchSessions(loaded, sessionFrame, opened) : loaded;
  }
  const build = (agents: number, idPrefix: string): Fleet =>
    new Fleet({
      agents,
      idPrefix,
      hubUrl: setup.hubUrl,
      rng: createRng('bench'),
      clock: () => performance.now(),
      sink,
      pingIntervalMs: setup.pingIntervalMs,
      ...(protocol ? { protocol } : {}),
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
      trouble = undefined;
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
    trouble: () => trouble,
    async close() {
      await fleet?.stop();
    },
  };
}
