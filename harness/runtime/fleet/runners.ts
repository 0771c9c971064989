import { HarnessError } from '../../errors.ts';
import { checkContainers, checkKubernetes, type FleetRunCheck, type FleetRunnerSettings } from './runner-settings.ts';
import type { LaunchContext, ShardLauncher } from './launchers/launcher.ts';
import { localProcessLauncher } from './launchers/local-network.ts';

/**
 * Where a fleet's agents run (--fleet-runner), one entry each: the CLI's
 * names and flags, the option type (FleetRunnerChoice), the checks and the
 * launcher all come from this record.
 */
export interface FleetRunner {
  description: string;
  /** The settings this runner reads (runner-settings.ts SETTING_FLAGS names their flags); the CLI refuses the others with it. */
  settings: readonly (keyof FleetRunnerSettings)[];
  /** `--dry-run` prints what a run would apply, and runs nothing. */
  dryRun?: true;
  /** Most shards --fleet-shards may ask for. */
  maxShards: number;
  /** Checks the settings against the rest of the run; throws EC_BAD_OPTION naming the flag. */
  check?(choice: RunnerChoice, run: FleetRunCheck): void;
  /** Absent: the agents run in this process, or in --fleet-shards child processes over IPC. Loads what it needs on first use. */
  launcher?(choice: RunnerChoice, run: LaunchContext): Promise<ShardLauncher>;
}

/** Any runner's choice, as its entry's functions see it (FleetRunnerChoice is the exact type). */
type RunnerChoice = { readonly kind: string } & FleetRunnerSettings;

export const FLEET_RUNNERS = {
  local: {
    description: 'in this process, or in --fleet-shards child processes over IPC (default)',
    settings: [],
    maxShards: 64,
  },
  'local-network': {
    description: "shards as local processes streaming their events to the run's collector over HTTP, as pods do",
    settings: [],
    maxShards: 64,
    launcher: async () => localProcessLauncher(),
  },
  containers: {
    description: 'shards as containers from the project image on the local Docker engine, host-networked, configured as pods are',
    settings: ['image'],
    // Past this, start-up alone swamps one machine, as local shard processes do.
    maxShards: 64,
    check: checkContainers,
    async launcher(settings, run) {
      const { containersLauncher } = await import('./launchers/containers.ts');
      let image = settings.image;
      if (image === undefined) {
        const { buildHubImage } = await import('../docker/node-image.ts');
        image = (await buildHubImage({ log: run.log })).image;
      }
      return containersLauncher({ image, runId: run.runId });
    },
  },
  kubernetes: {
    description: 'shards as pods of an Indexed Job in the current kubeconfig context (--image, --hub-url and --collector-url needed)',
    settings: ['image', 'namespace', 'shardCpu', 'shardMemory', 'collectorUrl'],
    dryRun: true,
    // Far above any fleet the checks were sized for (64,000 agents).
    maxShards: 1_000,
    check: checkKubernetes,
    async launcher(settings, run) {
      const { kubernetesLauncher, kubernetesLauncherOptions } = await import('./launchers/kubernetes.ts');
      return kubernetesLauncher(kubernetesLauncherOptions(settings, run));
    },
  },
} as const satisfies Record<string, FleetRunner>;

export type FleetRunnerName = keyof typeof FLEET_RUNNERS;

/** A runner and the settings it reads: the fleetRunner run option, derived from the record (checked by validateFleetRunner). */
export type FleetRunnerChoice = {
  [K in FleetRunnerName]: { kind: K } & Pick<FleetRunnerSettings, (typeof FLEET_RUNNERS)[K]['settings'][number]>;
}[FleetRunnerName];

export function isFleetRunnerName(name: string): name is FleetRunnerName {
  return Object.hasOwn(FLEET_RUNNERS, name);
}

/** The record's entry, typed as any runner (the record's own type keeps each entry's literal settings). */
export function fleetRunner(kind: FleetRunnerName): FleetRunner {
  return FLEET_RUNNERS[kind];
}

/**
 * Checks a choice once where it enters (the CLI while parsing, the runner
 * with the scenario for library callers): a known runner, a shard count it
 * can run, settings the rest of the run allows. Throws EC_BAD_OPTION.
 */
export function validateFleetRunner(choice: FleetRunnerChoice, run: FleetRunCheck & { fleetShards?: number }): void {
  if (!isFleetRunnerName(choice.kind)) {
    throw new HarnessError('EC_BAD_OPTION', `unknown fleet runner ${JSON.stringify(choice.kind)} (--fleet-runner)`, `use one of: ${Object.keys(FLEET_RUNNERS).join(', ')}`);
  }
  const runner = fleetRunner(choice.kind);
  const shards = run.fleetShards;
  if (shards !== undefined) {
    if (shards === 0 && runner.launcher) {
      throw new HarnessError('EC_BAD_OPTION', `--fleet-shards 0 runs every agent in this process, but --fleet-runner ${choice.kind} runs them in shards`, 'pass --fleet-shards 1 or more, or leave it out');
    }
    if (!(Number.isInteger(shards) && shards >= 0)) throw new HarnessError('EC_BAD_OPTION', `fleetShards must be a whole number >= 0, got ${shards}`, 'pass --fleet-shards 1 or more, or leave it out');
    if (shards > runner.maxShards) {
      throw new HarnessError('EC_BAD_OPTION', `--fleet-shards ${shards} is too many for --fleet-runner ${choice.kind}: at most ${runner.maxShards}`, `pass --fleet-shards ${runner.maxShards} or less`);
    }
  }
  runner.check?.(choice, run);
}
