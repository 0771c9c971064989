/**
 * Fleet runners: where a run's shards execute. `local` is today's shard
 * processes (harness/runtime/fleet.ts); `containers` and `kubernetes` start
 * the same shard entry from the project image through a launcher
 * (launcher.ts), configured by env only, and their events reach the
 * coordinator's collector over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { HarnessError } from '../../errors.ts';
import type { ExposedProxies } from '../proxy.ts';
import { EXPOSED_PROXY_FIRST_PORT } from '../proxy-layout.ts';
import type { ToxiproxyChoice } from '../toxiproxy-servers.ts';
import { DEFAULT_NAMESPACE, DEFAULT_SHARD_CPU, DEFAULT_SHARD_MEMORY, type FleetRunnerChoice } from './choice.ts';
import type { ShardLauncher } from './launcher.ts';

export * from './choice.ts';
export * from './launcher.ts';

/** 8 hex digits: names a run's containers or Kubernetes objects and labels them. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * The launcher of a remote fleet runner, its dependencies loaded on demand:
 * testcontainers (and the local image build) for containers, the Kubernetes
 * client for kubernetes.
 */
export async function launcherFor(
  choice: Exclude<FleetRunnerChoice, { kind: 'local' }>,
  run: { runId: string; activeDeadlineSeconds?: number; log?: (line: string) => void },
): Promise<ShardLauncher> {
  if (choice.kind === 'containers') {
    const { containersLauncher } = await import('./containers.ts');
    let image = choice.image;
    if (image === undefined) {
      const { buildHubImage } = await import('../docker/node-image.ts');
      image = (await buildHubImage({ log: run.log })).image;
    }
    return containersLauncher({ image, runId: run.runId });
  }
  const { kubernetesLauncher } = await import('./kubernetes.ts');
  return kubernetesLauncher({
    runId: run.runId,
    namespace: choice.namespace ?? DEFAULT_NAMESPACE,
    image: choice.image,
    requests: { cpu: choice.shardCpu ?? DEFAULT_SHARD_CPU, memory: choice.shardMemory ?? DEFAULT_SHARD_MEMORY },
    activeDeadlineSeconds: run.activeDeadlineSeconds,
    log: run.log,
  });
}

/**
 * Where the fault proxies listen so the fleet's agents reach them: pods dial
 * the Toxiproxy's own host (its Service) on fixed ports, 20000 upwards;
 * anything else keeps the default (127.0.0.1, a free port).
 */
export function exposedProxies(choice: FleetRunnerChoice | undefined, toxiproxy: ToxiproxyChoice | undefined): ExposedProxies | undefined {
  if (choice?.kind !== 'kubernetes' || toxiproxy?.kind !== 'url') return undefined;
  return { host: '0.0.0.0', firstPort: EXPOSED_PROXY_FIRST_PORT, agentHost: new URL(toxiproxy.url).hostname };
}

/**
 * MERGE POINT (issue 13): a containers or kubernetes run needs the shard
 * network transport and the collector (the other half of issue 13). Until the
 * fleet runtime builds shard envs and calls launcherFor(), such a run is
 * refused here, before anything starts, instead of silently running local
 * shards. `--dry-run` does not get here.
 */
export function refuseUnwiredFleetRunner(choice: FleetRunnerChoice | undefined): void {
  if (choice === undefined || choice.kind === 'local') return;
  throw new HarnessError(
    'EC_BAD_OPTION',
    `--fleet-runner ${choice.kind} needs the shard network transport and collector, which this build does not have yet`,
    choice.kind === 'kubernetes' ? 'use --dry-run to print the manifests, or --fleet-runner local' : 'use --fleet-runner local (shard processes) for now',
  );
}
