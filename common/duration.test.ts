import { describe, expect, test } from 'vitest';
import { MAX_TIMER_MS, formatDuration, parseDuration, timerMs } from './duration.ts';

const limits = { flag: '--ping-interval', maxMs: 86_400_000 };

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['24h', 86_400_000],
    ['7', 7_000],
    [' 3s ', 3_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, limits)).toBe(ms);
  });

  test('a bare number takes the unit the caller says', () => {
    expect(parseDuration('250', { ...limits, bareUnit: 'ms' })).toBe(250);
  });

  test('above the maximum is refused, naming the value and the limit', () => {
    expect(() => parseDuration('36000m', limits)).toThrow(expect.objectContaining({ code: 'EC_USAGE', message: expect.stringMatching(/--ping-interval "36000m".*24h/) }));
    expect(() => parseDuration('86400001ms', limits)).toThrow(expect.objectContaining({ code: 'EC_USAGE' }));
  });

  test.each(['', 'ten', '10x', '-5s', '1e3s', 'Infinity', '0', '0ms'])('%j is refused', (text) => {
    expect(() => parseDuration(text, limits)).toThrow(expect.objectContaining({ code: 'EC_USAGE', fix: expect.any(String) }));
  });

  test('the caller picks the error code, minimum included', () => {
    expect(() => parseDuration('5ms', { ...limits, minMs: 10, code: 'EC_HUB_BAD_OPTION' })).toThrow(expect.objectContaining({ code: 'EC_HUB_BAD_OPTION', message: expect.stringContaining('10ms') }));
  });
});

describe('formatDuration', () => {
  test.each([[86_400_000, '24h'], [90_000, '90s'], [120_000, '2m'], [1_500, '1500ms'], [10_000, '10s']])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('timerMs', () => {
  test('a delay Node would turn into 1 ms is refused, not armed', () => {
    expect(timerMs(MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
    expect(() => timerMs(MAX_TIMER_MS + 1)).toThrow(RangeError);
    expect(() => timerMs(Number.NaN)).toThrow(RangeError);
  });
});
