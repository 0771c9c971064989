import { commandLine, nodeEntry } from '../../common/layout.ts';
import { createRng } from '../../common/rng.ts';
import { HarnessError } from '../errors.ts';
import { spawnManaged, waitForLine } from './managed-process.ts';

/** Which Toxiproxy server(s) carry the agents' traffic. */
export type ToxiproxyChoice =
  /** In this process: the default, and the fastest for small fleets. */
  | { kind: 'embedded' }
  /** The embedded server as `servers` child processes, so big fleets stay under each process's open-file limit. */
  | { kind: 'process'; servers: number }
  /** A Toxiproxy someone runs (TOXIPROXY_URL or --toxiproxy URL); it must be able to listen on 127.0.0.1. */
  | { kind: 'url'; url: string }
  /** A Toxiproxy container started through testcontainers (needs a Docker engine). */
  | { kind: 'container'; image?: string };

export interface ToxiproxyServer extends AsyncDisposable {
  readonly apiUrl: string;
  /** The server's own process when the harness started it as one (`process`), for resource sampling. */
  readonly pid?: number;
  stop(): Promise<void>;
}

/** A server record whose disposal is its stop. */
function serverRecord(apiUrl: string, stop: () => Promise<void>, pid?: number): ToxiproxyServer {
  return { apiUrl, stop, ...(pid === undefined ? {} : { pid }), [Symbol.asyncDispose]: stop };
}

const TOXIPROXY_MAIN = nodeEntry('../../toxiproxy/main.ts', import.meta.url);

/**
 * Starts (or names) the Toxiproxy servers for a choice; the caller stops them.
 * With `seed`, each server the harness starts draws its toxicity rolls and
 * jitter from its own child of it; a Toxiproxy it does not start (url,
 * container) is not seeded.
 */
export async function startToxiproxyServers(choice: ToxiproxyChoice, options: { seed?: string | number } = {}): Promise<ToxiproxyServer[]> {
  const seedFor = (label: string): string | undefined => (options.seed === undefined ? undefined : createRng(options.seed).child(label).seed);
  switch (choice.kind) {
    case 'embedded': {
      const { startToxiproxyServer } = await import('../../toxiproxy/server.ts');
      const server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: seedFor('toxiproxy') });
      return [serverRecord(server.url, () => server.stop())];
    }
    case 'url':
      return [serverRecord(choice.url.replace(/\/+$/, ''), async () => {})];
    case 'container': {
      const { startToxiproxyContainer } = await import('./docker/toxiproxy-container.ts');
      const container = await startToxiproxyContainer({ image: choice.image });
      return [serverRecord(container.url, () => container.stop())];
    }
    case 'process': {
      const started = await Promise.allSettled(Array.from({ length: choice.servers }, (_, i) => startToxiproxyProcess(seedFor(`toxiproxy-${i + 1}`))));
      const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) {
        await Promise.all(servers.map((s) => s.stop()));
        throw failed.reason;
      }
      return servers;
    }
  }
}

async function startToxiproxyProcess(seed: string | undefined): Promise<ToxiproxyServer> {
  const args = [...TOXIPROXY_MAIN.execArgv, TOXIPROXY_MAIN.file, '--host', '127.0.0.1', '--port', '0', ...(seed === undefined ? [] : ['--seed', seed])];
  const managed = spawnManaged(process.execPath, args, {});
  try {
    const match = await waitForLine(managed, /listening on (http:\/\/\S+)/, 30_000);
    return serverRecord(match[1]!, () => managed.stop('graceful', 5_000), managed.pid);
  } catch (error) {
    await managed.stop('crash');
    throw new HarnessError('EC_PROXY_SETUP', `the Toxiproxy process ${(error as Error).message}: ${managed.logs.lines().slice(-5).join(' | ')}`, `run \`${commandLine('toxiproxy', '', '--port 0')}\` by hand to see why`);
  }
}
