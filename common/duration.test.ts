import { describe, expect, test } from 'vitest';
import { DurationError, MAX_TIMER_MS, formatDuration, parseDuration } from './duration.ts';

const field = '--ping-interval';
const parse = (text: string, defaultUnit?: 'ms' | 's' | 'm' | 'h') => parseDuration(text, { field, defaultUnit });

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['20s', 20_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['7', 7_000],
    [' 4s ', 4_000],
    ['0.5ms', 1],
    ['1ms', 1],
  ])('%j is %d ms', (text, ms) => {
    expect(parse(text)).toBe(ms);
  });

  test('a bare number is in the default unit', () => {
    expect(parse('250', 'ms')).toBe(250);
    expect(parse('3', 'm')).toBe(180_000);
    expect(parse('2', 'h')).toBe(7_200_000);
    expect(parse('250ms', 'h')).toBe(250);
  });

  test('the limit is Node timer limit, 2^31-1 ms, inclusive', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    expect(parse('2147483647ms')).toBe(MAX_TIMER_MS);
    expect(parse('2147483.647s')).toBe(MAX_TIMER_MS);
    expect(() => parse('2147483648ms')).toThrow(DurationError);
    expect(() => parse('2147483.648s')).toThrow(DurationError);
    expect(parse('596h')).toBe(2_145_600_000);
    expect(() => parse('597h')).toThrow(DurationError);
  });

  test('too long names the field, the value and the limit', () => {
    let caught: unknown;
    try {
      parse('600h');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DurationError);
    const error = caught as DurationError;
    expect(error.field).toBe(field);
    expect(error.text).toBe('600h');
    expect(error.message).toBe(`--ping-interval "600h" is 2160000000 ms, more than Node's timer limit of 2147483647 ms (about 24.8 days)`);
    expect(error.fix).toContain('2147483647ms');
  });

  test.each(['', 's', '5x', '-5s', '1e3', '5 s', '1d', '.5s', '5.s', 'Infinity', 'NaN'])('%j is not a duration', (text) => {
    expect(() => parse(text)).toThrow(expect.objectContaining({ name: 'DurationError', field, message: `${field} ${JSON.stringify(text)} is not a duration` }));
  });

  test.each(['0s', '0', '0ms', '0.4ms', '0.0001s'])('%j rounds to 0 ms and is refused', (text) => {
    expect(() => parse(text)).toThrow(expect.objectContaining({ name: 'DurationError', message: `${field} ${JSON.stringify(text)} must be longer than 0` }));
  });
});

describe('formatDuration', () => {
  test.each([
    [3_600_000, '1h'],
    [7_200_000, '2h'],
    [120_000, '2m'],
    [90_000, '90s'],
    [1_000, '1s'],
    [1_500, '1500ms'],
    [1, '1ms'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test.each([1, 999, 1_000, 59_999, 60_000, 3_599_999, 3_600_000, MAX_TIMER_MS])('parseDuration reads formatDuration(%d) back exactly', (ms) => {
    expect(parse(formatDuration(ms))).toBe(ms);
  });
});
