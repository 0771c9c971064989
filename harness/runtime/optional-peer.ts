import { HarnessError } from '../errors.ts';

/**
 * Optional peer packages, loaded on first use. edge-chaos lists them under
 * `peerDependencies` with `peerDependenciesMeta: { optional: true }` (and under
 * `devDependencies`, for its own tests), so a minimal install does not pull a
 * client stack that only one feature needs. Only the feature's loader module
 * imports the package, with a dynamic `import()`; every other module imports
 * only its types (`import type`, erased), so loading the library, the CLI or a
 * scenario that does not use the feature never loads it.
 *
 * testcontainers (harness/runtime/docker/testcontainers.ts) and
 * @kubernetes/client-node (harness/runtime/fleet/launchers/kubernetes-client.ts)
 * follow this pattern; a new optional peer gets a loader like theirs, and an
 * entry in package.json's peerDependencies + peerDependenciesMeta.
 */
export interface OptionalPeer {
  /** The package to install, e.g. 'testcontainers'. */
  package: string;
  /** The version range that works with this Node, e.g. '^11'. */
  range: string;
  /** What needs it, in the user's words (the option that asked for it). */
  feature: string;
  /** Why that range (shown in the fix), e.g. '12 needs Node 22'. */
  note?: string;
}

/**
 * Imports `specifier` (the peer's name; a parameter so a test can name a
 * package that is not installed), or throws EC_PEER_MISSING saying what to
 * install.
 */
export async function importOptionalPeer<T>(specifier: string, peer: OptionalPeer): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const install = `npm install -D ${peer.package}@${peer.range}${peer.note ? ` (${peer.note})` : ''}`;
    if (isPackageMissing(error, specifier)) {
      throw new HarnessError('EC_PEER_MISSING', `${peer.feature} needs the package ${peer.package}, which is not installed (cannot find ${JSON.stringify(specifier)})`, `install it: ${install}`, { cause: error });
    }
    // Installed but broken: a dependency of it missing, a native addon built for another Node.
    throw new HarnessError('EC_PEER_MISSING', `${peer.feature} needs the package ${peer.package}, which is installed but does not load: ${firstLine(error)}`, `reinstall it: ${install}`, { cause: error });
  }
}

/** Node's "Cannot find package 'x'" for the specifier itself, not for something the package imports. */
function isPackageMissing(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`));
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
