import { localProcessLauncher } from './local-launcher.ts';
import type { ShardLauncher } from './launcher.ts';

/**
 * Where a fleet's agents run (--fleet-runner), one entry each: the CLI's
 * names, the option type and the launcher all come from this record.
 */
export interface FleetRunner {
  description: string;
  /** Absent: the agents run in this process, or in --fleet-shards child processes over IPC. */
  launcher?: () => ShardLauncher;
}

export const FLEET_RUNNERS = {
  local: { description: 'in this process, or in --fleet-shards child processes over IPC (default)' },
  'local-network': { description: 'shards as local processes streaming their events to the run\'s collector over HTTP, as pods do', launcher: localProcessLauncher },
} satisfies Record<string, FleetRunner>;

export type FleetRunnerName = keyof typeof FLEET_RUNNERS;

export function isFleetRunnerName(name: string): name is FleetRunnerName {
  return Object.hasOwn(FLEET_RUNNERS, name);
}
