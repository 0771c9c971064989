/**
 * Every error a harness user can hit, by stable code. The CLI prints the
 * message (what went wrong, naming the bad value) and the fix (what to do),
 * and exits 2. Tests assert the code, never the wording.
 */
export const HARNESS_ERRORS = {
  EC_USAGE: 'the command line is not valid',
  EC_UNKNOWN_SCENARIO: 'no scenario has that name or path',
  EC_BAD_SCENARIO: 'a scenario definition is not valid',
  EC_BAD_OPTION: 'a run option is not valid',
  EC_HUB_UNREACHABLE: 'the hub does not answer',
  EC_HUB_START: 'the hub could not start',
  EC_PROXY_UNREACHABLE: 'the Toxiproxy server does not answer',
  EC_PROXY_SETUP: 'the fault proxies could not be set up',
  EC_FLEET_SHARD: 'a fleet shard process failed',
  EC_REPORT_WRITE: 'the report could not be written',
  EC_INTERRUPTED: 'the run was interrupted',
} as const;

export type HarnessErrorCode = keyof typeof HARNESS_ERRORS;

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;
  readonly fix: string;

  constructor(code: HarnessErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
    this.fix = fix;
  }
}

export const EXIT = { passed: 0, failed: 1, harness: 2 } as const;

/** The useful part of a failed fetch: the socket error's code (ECONNREFUSED) or the cause's message ("bad port"), not "fetch failed". */
export function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
