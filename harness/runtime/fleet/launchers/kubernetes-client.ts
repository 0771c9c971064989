/**
 * @kubernetes/client-node, loaded only when a kubernetes run or --dry-run
 * needs it: it is a devDependency (1.x: 2.x needs Node 22), so every other
 * run works without it, and a missing one is one line saying how to install it.
 */
import { importOptionalPeer } from '../../optional-peer.ts';

export type KubernetesClient = typeof import('@kubernetes/client-node');

let loaded: Promise<KubernetesClient> | undefined;

/**
 * The client, loaded once (an optional peer: see ../optional-peer.ts); missing, EC_PEER_MISSING
 * with the install command. `specifier` is for tests (a package that does not exist).
 */
export function loadKubernetesClient(specifier = '@kubernetes/client-node'): Promise<KubernetesClient> {
  const peer = { package: '@kubernetes/client-node', range: '^1.4', feature: '--fleet-runner kubernetes', note: '2.x needs Node 22' };
  if (specifier !== '@kubernetes/client-node') return importOptionalPeer<KubernetesClient>(specifier, peer);
  loaded ??= importOptionalPeer<KubernetesClient>(specifier, peer);
  // A failed load is not kept: the user may install the package and retry in the same process.
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/**
 * An API error as one line: the HTTP status and the server's own message
 * ("jobs.batch is forbidden: User ... cannot create ..."), not the client's
 * dump of headers.
 */
export function kubeErrorText(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let reason: string | undefined;
  if (typeof e.body === 'string') {
    try {
      reason = (JSON.parse(e.body) as { message?: string }).message;
    } catch {
      reason = e.body.slice(0, 200);
    }
  } else if (e.body && typeof e.body === 'object') {
    reason = (e.body as { message?: string }).message;
  }
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  if (typeof e.code === 'number') return `HTTP ${e.code}${reason ? `: ${reason}` : ''}`;
  return cause ?? e.message ?? String(error);
}
