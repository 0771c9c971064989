import { formatError, EdgeChaosError } from '../../../../common/errors.ts';
import { runIpcShard } from './ipc.ts';
import { runNetworkShard } from './network.ts';
import { SHARD_ENV } from './wire.ts';

/**
 * A fleet shard: part of the fleet in its own process, so the fleet can use
 * every core, stay under the per-process open-file limit, or run on other
 * machines. Two transports, one shard (shard.ts): forked by the harness, it
 * talks over the IPC channel (ipc.ts); started from configuration alone (a
 * pod, a container, a local process), it streams to the coordinator's
 * collector over HTTP (network.ts, docs/distributed.md "Shard transport").
 */
if (process.env[SHARD_ENV.collectorUrl] !== undefined || process.env[SHARD_ENV.config] !== undefined || process.env[SHARD_ENV.configFile] !== undefined) {
  runNetworkShard(process.env, (text) => process.stderr.write(text)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(error instanceof EdgeChaosError ? formatError(error) : `error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(2);
    },
  );
} else if (process.send) {
  runIpcShard();
} else {
  process.stderr.write(formatError(new EdgeChaosError('EC_SHARD_CONFIG', `a shard needs a parent's IPC channel or ${SHARD_ENV.collectorUrl} with ${SHARD_ENV.config} (or ${SHARD_ENV.configFile}), ${SHARD_ENV.index} and ${SHARD_ENV.runToken}`, 'let the harness start shards (--fleet-shards, --fleet-runner), or set the environment docs/distributed.md "Shard transport" lists')));
  process.exit(2);
}
