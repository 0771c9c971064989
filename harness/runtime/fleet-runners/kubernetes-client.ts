/**
 * @kubernetes/client-node, loaded only when a kubernetes run or --dry-run
 * needs it: it is a devDependency (1.x: 2.x needs Node 22), so every other
 * run works without it, and a missing one is one line saying how to install it.
 */
import { HarnessError } from '../../errors.ts';

export type KubernetesClient = typeof import('@kubernetes/client-node');

const PACKAGE = '@kubernetes/client-node';

/** `specifier` is for tests (a package that does not exist); callers use the default. */
export async function loadKubernetesClient(specifier: string = PACKAGE): Promise<KubernetesClient> {
  try {
    return (await import(specifier)) as KubernetesClient;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && err.message.includes(specifier)) {
      throw new HarnessError('EC_KUBE_CLIENT_MISSING', `--fleet-runner kubernetes needs ${PACKAGE}, which is not installed`, `install it: npm install -D ${PACKAGE}@^1.4 (1.x runs on Node 20; 2.x needs Node 22)`, { cause: error });
    }
    throw error;
  }
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
