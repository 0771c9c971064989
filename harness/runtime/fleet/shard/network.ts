import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { EdgeChaosError } from '../../../../common/errors.ts';
import { checkPlan, shardProtocol, sliceOf, TRANSPORT_DEFAULTS, type ShardPlan } from './config.ts';
import { CollectorClient } from './collector-client.ts';
import { startShard, type RunningShard } from './shard.ts';
import { SHARD_ENV } from './wire.ts';

/** What a network shard reads from its environment, checked once. */
export interface NetworkShardSetup {
  plan: ShardPlan;
  index: number;
  collectorUrl: string;
  token: string;
  /** Stop when standard input closes (a local process whose starter died). */
  stdinLifeline: boolean;
}

export function readShardEnv(env: NodeJS.ProcessEnv): NetworkShardSetup {
  const bad = (message: string, fix: string) => new EdgeChaosError('EC_SHARD_CONFIG', message, fix);
  const fromCoordinator = 'set it to what the coordinator wrote for this run';
  let text = env[SHARD_ENV.config];
  if (text === undefined || text === '') {
    const file = env[SHARD_ENV.configFile];
    if (file === undefined || file === '') throw bad(`neither ${SHARD_ENV.config} nor ${SHARD_ENV.configFile} is set`, `pass the shard config as ${SHARD_ENV.config} (JSON) or mount it and name the file in ${SHARD_ENV.configFile}`);
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw bad(`${SHARD_ENV.configFile} ${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'mount the shard config at that path');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('the shard config is not JSON', fromCoordinator);
  }
  const indexText = env[SHARD_ENV.index];
  if (indexText === undefined || !/^\d+$/.test(indexText)) throw bad(`${SHARD_ENV.index} must be the shard's 0-based index, got ${JSON.stringify(indexText)}`, 'run the shard as a pod of an Indexed Job, or set the index yourself');
  const index = Number(indexText);
  const plan = checkPlan(parsed, index);
  const collectorUrl = env[SHARD_ENV.collectorUrl] ?? '';
  let url: URL | undefined;
  try {
    url = new URL(collectorUrl);
  } catch {}
  if (!url || url.protocol !== 'http:') throw bad(`${SHARD_ENV.collectorUrl} must be the collector's http://host:port, got ${JSON.stringify(collectorUrl)}`, fromCoordinator);
  const token = env[SHARD_ENV.runToken] ?? '';
  if (token === '' || /[\x00-\x20\x7f]/.test(token)) throw bad(`${SHARD_ENV.runToken} is empty or holds spaces or control characters`, fromCoordinator);
  return { plan, index, collectorUrl, token, stdinLifeline: env[SHARD_ENV.lifeline] === 'stdin' };
}

/**
 * A shard that runs from its environment alone (a pod, a container, a local
 * process): it measures its clock against the coordinator's, says hello,
 * starts its slice of the fleet and streams the events to the collector.
 * It stops on SIGTERM (or SIGINT) after delivering its last batch, and by
 * itself once the collector has been unreachable for the grace. Resolves
 * with the exit code: 0 stopped, 2 a bad environment or the collector lost.
 */
export async function runNetworkShard(env: NodeJS.ProcessEnv, log: (text: string) => void): Promise<number> {
  const setup = readShardEnv(env);
  const { plan, index } = setup;
  const transport = { ...TRANSPORT_DEFAULTS, ...plan.transport };
  const config = sliceOf(plan, index);
  const client = new CollectorClient({ url: setup.collectorUrl, token: setup.token, index, unreachableGraceMs: transport.unreachableGraceMs, requestTimeoutMs: transport.requestTimeoutMs });

  let stopRequested: (why: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  process.once('SIGTERM', () => stopRequested('SIGTERM'));
  process.once('SIGINT', () => stopRequested('SIGINT'));
  if (setup.stdinLifeline) {
    process.stdin.on('end', () => stopRequested('stdin closed')).on('error', () => stopRequested('stdin closed'));
    process.stdin.resume();
  }

  let stopping = false;
  let shard: RunningShard | undefined;
  let uplinkError: unknown;
  let failUplink: (error: unknown) => void = () => undefined;
  const uplinkFailed = new Promise<unknown>((resolve) => (failUplink = (error) => resolve((uplinkError ??= error))));
  const startUp = (async () => {
    const clock = await client.measureClock(transport.clockSamples);
    await client.hello({ instance: randomUUID(), firstIndex: config.firstIndex, agents: config.hubUrls.length, clock, host: hostname(), pid: process.pid });
    const protocol = await shardProtocol(config);
    if (!stopping) shard = startShard(config, protocol, (batch) => client.send(batch), transport, failUplink);
  })();

  const outcome = await Promise.race([
    stopSignal.then((why) => ({ why })),
    startUp.then(
      () => uplinkFailed.then((error) => ({ error })),
      (error: unknown) => ({ error }),
    ),
  ]);
  stopping = true;
  const fail = (error: unknown) => {
    log(error instanceof EdgeChaosError ? `error: ${error.message}\nfix: ${error.fix}\n` : `error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 2;
  };
  if ('error' in outcome) {
    await shard?.abandon();
    return fail(outcome.error);
  }
  if (outcome.why === 'stdin closed' || !shard) {
    // Stopped during start-up, or the process that started this one is gone (and the collector with it): nothing to flush.
    client.close();
    await shard?.abandon();
    await startUp.catch(() => undefined);
    return 0;
  }
  // SIGTERM: stop the agents, deliver the last batch (their closes included), exit.
  await shard.stop();
  return uplinkError === undefined ? 0 : fail(uplinkError);
}
