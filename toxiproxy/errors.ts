import { EdgeChaosError } from '../common/errors.ts';

/**
 * Every error the Toxiproxy API can answer with, in one registry.
 *
 * `message` and `status` are what real Toxiproxy 2.12 puts in its
 * `{"error","status"}` body, so clients that match on them keep working;
 * `code` is ours and stable, so tests and callers match on it instead.
 */
export const API_ERRORS = {
  BAD_REQUEST_BODY: { status: 400, message: 'bad request body' },
  MISSING_FIELD: { status: 400, message: 'missing required field' },
  BAD_ADDRESS: { status: 400, message: 'bad listen address' },
  NON_LOOPBACK_LISTEN: { status: 400, message: 'listen address is not loopback' },
  INVALID_STREAM: { status: 400, message: 'stream was invalid, can be either upstream or downstream' },
  INVALID_TOXIC_TYPE: { status: 400, message: 'invalid toxic type' },
  BAD_ATTRIBUTES: { status: 400, message: 'bad request body' },
  NAME_TOO_LONG: { status: 400, message: 'name too long' },
  PROXY_NOT_FOUND: { status: 404, message: 'proxy not found' },
  TOXIC_NOT_FOUND: { status: 404, message: 'toxic not found' },
  PROXY_ALREADY_EXISTS: { status: 409, message: 'proxy already exists' },
  TOXIC_ALREADY_EXISTS: { status: 409, message: 'toxic already exists' },
  LISTEN_FAILED: { status: 500, message: 'listen failed' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorName = keyof typeof API_ERRORS;

/** An error the API turns into `{"error": message, "status": status}`. */
export class ToxiproxyApiError extends Error {
  /** Stable identifier, e.g. `TOXIPROXY_ERR_PROXY_NOT_FOUND`. */
  readonly code: string;
  readonly status: number;

  /**
   * @param name which registry entry
   * @param detail appended after `: ` as real Toxiproxy does
   *   (`missing required field: name`); the entry's text alone when absent.
   * @param message replaces the entry's text whole, for errors whose text
   *   real Toxiproxy takes from the OS (`listen tcp ...: bind: address already in use`).
   */
  constructor(name: ApiErrorName, detail?: string, message?: string) {
    const entry = API_ERRORS[name];
    super(message ?? (detail === undefined ? entry.message : `${entry.message}: ${detail}`));
    this.name = 'ToxiproxyApiError';
    this.code = `TOXIPROXY_ERR_${name}`;
    this.status = entry.status;
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

/** Error of the server itself (not of one request), e.g. the API port is taken. */
export class ToxiproxyServerError extends EdgeChaosError<'EC_TOXIPROXY_LISTEN' | 'EC_TOXIPROXY_BAD_OPTION'> {
  constructor(code: 'EC_TOXIPROXY_LISTEN' | 'EC_TOXIPROXY_BAD_OPTION', message: string, fix: string, options?: ErrorOptions) {
    super(code, message, fix, options);
    this.name = 'ToxiproxyServerError';
  }
}
