/**
 * The hub's coded errors. Each has a stable `code` that tests assert on and a
 * `fix` line that tells the operator what to do.
 */
export const HUB_ERRORS = {
  EC_HUB_DUPLICATE_WS_ROUTE: 'a WebSocket path has more than one handler',
  EC_HUB_BAD_OPTION: 'a hub option is invalid',
  EC_HUB_UNKNOWN_DEFECT: 'no hub defect has that name',
  EC_HUB_DB_OPEN: 'the command database cannot be opened or has another schema',
  EC_HUB_SQLITE_UNAVAILABLE: "better-sqlite3's native addon is not built for this Node",
} as const;

export type HubErrorCode = keyof typeof HUB_ERRORS;

export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly fix: string;

  constructor(code: HubErrorCode, message: string, fix: string) {
    super(message);
    this.name = 'HubError';
    this.code = code;
    this.fix = fix;
  }
}
