import { EdgeChaosError } from '../common/errors.ts';

export { EXIT } from '../common/errors.ts';

/** The harness's share of the one registry (common/errors.ts). */
export type HarnessErrorCode =
  | 'EC_USAGE'
  | 'EC_UNKNOWN_SCENARIO'
  | 'EC_BAD_SCENARIO'
  | 'EC_BAD_OPTION'
  | 'EC_HUB_UNREACHABLE'
  | 'EC_HUB_START'
  | 'EC_PROXY_UNREACHABLE'
  | 'EC_PROXY_SETUP'
  | 'EC_FLEET_SHARD'
  | 'EC_REPORT_WRITE'
  | 'EC_PEER_MISSING'
  | 'EC_KUBE_API';

/** An error of the harness: the CLI prints its message and fix and exits 2. */
export class HarnessError extends EdgeChaosError<HarnessErrorCode> {
  constructor(code: HarnessErrorCode, message: string, fix: string, options?: ErrorOptions) {
    super(code, message, fix, options);
    this.name = 'HarnessError';
  }
}

/** The useful part of a failed fetch: the socket error's code (ECONNREFUSED) or the cause's message ("bad port"), not "fetch failed". */
export function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
