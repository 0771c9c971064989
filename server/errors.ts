import { EdgeChaosError } from '../common/errors.ts';

/** The hub's share of the one registry (common/errors.ts). */
export type HubErrorCode = 'EC_HUB_DUPLICATE_WS_ROUTE' | 'EC_HUB_BAD_OPTION' | 'EC_HUB_UNKNOWN_DEFECT' | 'EC_HUB_DB_OPEN' | 'EC_HUB_SQLITE_UNAVAILABLE' | 'EC_HUB_BAD_COMMAND' | 'EC_HUB_QUEUE_FULL';

/** An error of the reference hub: `npm run hub` prints its message and fix and exits 2. */
export class HubError extends EdgeChaosError<HubErrorCode> {
  constructor(code: HubErrorCode, message: string, fix: string, options?: ErrorOptions) {
    super(code, message, fix, options);
    this.name = 'HubError';
  }
}
