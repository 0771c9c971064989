import { EdgeChaosError, type ErrorCode } from './errors.ts';

/**
 * Durations as people type them on a command line: `500ms`, `10s`, `2m`,
 * `1h`, or a bare number in the caller's unit (seconds unless it says
 * otherwise). Every parse has a maximum, because Node turns a timer delay
 * above 2^31-1 ms (about 24.8 days) into 1 ms: a "very long" interval
 * silently becomes a very short one.
 */

/** The longest delay setTimeout/setInterval honour; above it Node uses 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

export interface DurationLimits {
  /** Names the value in messages, e.g. `--ping-interval`. */
  flag: string;
  /** Largest accepted value, ms; at most MAX_TIMER_MS. */
  maxMs: number;
  /** Smallest accepted value, ms. Default 1. */
  minMs?: number;
  /** Unit of a bare number. Default 's'. */
  bareUnit?: 'ms' | 's';
  /** Error code thrown. Default EC_USAGE. */
  code?: ErrorCode;
}

/** `text` in ms, within the limits; otherwise an EdgeChaosError naming the value and the limit. */
export function parseDuration(text: string, limits: DurationLimits): number {
  const { flag, maxMs, bareUnit = 's', code = 'EC_USAGE' } = limits;
  const fail = (why: string, fix: string) => new EdgeChaosError(code, `${flag} ${JSON.stringify(text)} ${why}`, fix);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw fail('is not a duration', `write it like 500ms, 10s, 2m or 1h (at most ${formatDuration(maxMs)})`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? bareUnit) as Unit]);
  return checkDurationMs(ms, { ...limits, code }, fail);
}

/** A duration in ms given as a number (a programmatic option), within the limits. */
export function checkDurationMs(
  ms: number,
  limits: DurationLimits,
  fail: (why: string, fix: string) => Error = (why, fix) => new EdgeChaosError(limits.code ?? 'EC_USAGE', `${limits.flag} ${ms} ${why}`, fix),
): number {
  const { maxMs, minMs = 1 } = limits;
  if (maxMs > MAX_TIMER_MS) throw new RangeError(`maxMs ${maxMs} is above ${MAX_TIMER_MS}, the longest timer Node honours`);
  const range = `from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`;
  if (!Number.isFinite(ms) || ms < minMs) throw fail(`is below the minimum of ${formatDuration(minMs)}`, `pass a duration ${range}`);
  if (ms > maxMs) throw fail(`is above the maximum of ${formatDuration(maxMs)}${maxMs === MAX_TIMER_MS ? ' (about 24.8 days, the longest a Node timer can wait)' : ''}`, `pass a duration ${range}`);
  return ms;
}

/** The largest unit that divides `ms` exactly: 86_400_000 -> "24h", 1_500 -> "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Guards a delay on its way into a timer: refuses what Node would turn into 1 ms. */
export function timerMs(ms: number): number {
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`timer delay ${ms} ms is outside 0..${MAX_TIMER_MS}; Node would fire it after 1 ms`);
  return ms;
}
