import { nodeEntry } from '../../../../common/layout.ts';
import { SHARD_ENV } from '../shard/wire.ts';
import { spawnManaged, type ManagedProcess } from '../../managed-process.ts';
import type { LaunchedShards, ShardLauncher } from './launcher.ts';

// The shard entry in this module's layout: the source through tsx here, the compiled .js in an installed package.
const SHARD_MAIN = nodeEntry('../shard/main.ts', import.meta.url);

/** How long a shard gets from SIGTERM to exit (stop its agents, deliver its last batch) before SIGKILL, ms. */
const STOP_GRACE_MS = 15_000;

/**
 * Network shards as processes on this machine: the same entry, environment
 * and transport as a pod, without a cluster. Each runs in its own process
 * group (a Ctrl-C to the terminal reaches the run, which stops them), and
 * with a stdin lifeline, so a harness killed outright takes them along at
 * once instead of after the unreachable grace.
 */
export function localProcessLauncher(): ShardLauncher {
  return {
    name: 'local-network',
    async start(shards, hooks): Promise<LaunchedShards> {
      let stopping = false;
      const procs: ManagedProcess[] = shards.map(({ index, env }) => {
        const managed = spawnManaged(process.execPath, [...SHARD_MAIN.execArgv, SHARD_MAIN.file], { ...env, [SHARD_ENV.lifeline]: 'stdin' });
        managed.proc.once('exit', (code, signal) => {
          if (!stopping) hooks.onExit(index, signal ?? `code ${code}`);
        });
        return managed;
      });
      const exited = Promise.all(procs.map((p) => p.exited)).then(() => undefined);
      let stopped: Promise<void> | undefined;
      const stop = () => {
        stopping = true;
        return (stopped ??= Promise.all(procs.map((p) => p.stop('graceful', STOP_GRACE_MS))).then(() => undefined));
      };
      return {
        exited,
        stop,
        logTail: (index) => procs[index]?.logs.lines().slice(-5).join('\n') ?? '',
        pids: () => procs.map((p) => (p.proc.exitCode === null && p.proc.signalCode === null ? p.pid : undefined)),
        [Symbol.asyncDispose]: stop,
      };
    },
  };
}
