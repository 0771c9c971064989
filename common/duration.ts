/**
 * Durations as people type them on a command line ("20s", "500ms", "2m",
 * "1h", or a bare number in a default unit), parsed once for the harness and
 * the reference hub.
 */

/** Longest delay Node's timers honour: setTimeout and setInterval fire at once (after 1 ms) for anything longer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type DurationUnit = 'ms' | 's' | 'm' | 'h';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

export interface ParseDurationOptions {
  /** What the text is for, named in errors, e.g. "--duration". */
  field: string;
  /** Unit of a bare number. Default 's'. */
  defaultUnit?: DurationUnit;
}

/**
 * A duration the text does not give, or gives as 0 or beyond MAX_TIMER_MS.
 * Not a coded error of its own: each caller turns it into its own usage
 * error (the harness's EC_USAGE, the hub's exit 2) with this message and fix.
 */
export class DurationError extends Error {
  readonly field: string;
  readonly text: string;
  /** One line telling the user what to type instead. */
  readonly fix: string;

  constructor(field: string, text: string, message: string, fix: string) {
    super(message);
    this.name = 'DurationError';
    this.field = field;
    this.text = text;
    this.fix = fix;
  }
}

/** Milliseconds in `text` (rounded to whole ms); throws DurationError for no duration, 0, or more than MAX_TIMER_MS. */
export function parseDuration(text: string, { field, defaultUnit = 's' }: ParseDurationOptions): number {
  const quoted = JSON.stringify(text);
  const match = DURATION_RE.exec(text.trim());
  if (!match) throw new DurationError(field, text, `${field} ${quoted} is not a duration`, 'write it like 20s, 2m, 500ms or 1h');
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] as DurationUnit | undefined) ?? defaultUnit]);
  if (ms <= 0) throw new DurationError(field, text, `${field} ${quoted} must be longer than 0`, 'pass a positive duration, e.g. 20s');
  if (ms > MAX_TIMER_MS) {
    throw new DurationError(field, text, `${field} ${quoted} is ${ms} ms, more than Node's timer limit of ${MAX_TIMER_MS} ms (about 24.8 days)`, `pass at most ${MAX_TIMER_MS}ms, e.g. 24h`);
  }
  return ms;
}

/** Text that parseDuration reads back as exactly `ms`, in the largest whole unit: 3_600_000 -> "1h", 90_000 -> "90s", 1_500 -> "1500ms". */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
