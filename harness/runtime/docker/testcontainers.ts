/**
 * The one place that loads testcontainers, an optional peer dependency
 * (harness/runtime/optional-peer.ts): the Docker client stack it pulls
 * (dockerode, ssh2, a native cpu-features build) is loaded only when a run
 * asks for a container. Every other module imports its types only.
 */
import type * as TestcontainersModule from 'testcontainers';
import { importOptionalPeer, type OptionalPeer } from '../optional-peer.ts';

export type Testcontainers = typeof TestcontainersModule;

export const TESTCONTAINERS_PEER: OptionalPeer = {
  package: 'testcontainers',
  range: '^11',
  feature: 'running containers (--hub-runtime container, --hub-image, --toxiproxy container)',
  note: '12 needs Node 22',
};

/**
 * Sets what testcontainers must know before its first use, unless the user
 * already chose otherwise. Idempotent.
 */
export function configureTestcontainersEnv(): void {
  // Ryuk's image cannot be pulled here (no registry); we remove our own
  // containers instead (see cleanup.ts).
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  // Our containers use host networking, so they answer on loopback. Without
  // this, testcontainers running inside a container (a /.dockerenv exists)
  // looks for the "bridge" network's gateway, which dockerd --bridge=none does
  // not have, and then tries to pull alpine: both fail and it finds no engine.
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}

const loaded = new Map<string, Promise<Testcontainers>>();

/**
 * testcontainers, imported on the first call and memoised; EC_PEER_MISSING
 * (with the npm install command) when it is not installed. `specifier` is for
 * tests only: a name that does not exist stands in for a missing package.
 */
export function loadTestcontainers(specifier = 'testcontainers'): Promise<Testcontainers> {
  let loading = loaded.get(specifier);
  if (loading === undefined) {
    configureTestcontainersEnv();
    loading = importOptionalPeer<Testcontainers>(specifier, TESTCONTAINERS_PEER);
    // A failure is not kept: installing the package fixes the next call.
    loading.catch(() => loaded.delete(specifier));
    loaded.set(specifier, loading);
  }
  return loading;
}
