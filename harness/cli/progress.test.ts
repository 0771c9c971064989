import { describe, expect, test } from 'vitest';
import type { RunProgress } from '../runner/run.ts';
import { progressLine, progressPrinter, type ProgressStream } from './progress.ts';

function stream(tty: boolean, columns?: number): ProgressStream & { out: string } {
  return { isTTY: tty, columns, out: '', write(text: string) { this.out += text; } };
}

const at = (elapsedMs: number, extra: Partial<RunProgress> = {}): RunProgress => ({ elapsedMs, phase: 'steady', connected: 7, polling: 2, down: 1, reconnects: 4, faultsActive: 0, ...extra });

describe('progress line', () => {
  test('names elapsed time, phase, agents connected / polling / down, reconnects, and faults only while some are active', () => {
    expect(progressLine(at(12_300))).toBe('[ 12.3 s] steady connected 7/10  polling 2  down 1  reconnects 4');
    expect(progressLine(at(12_300, { faultsActive: 2 }))).toMatch(/reconnects 4 {2}faults active 2$/);
  });

  test('on a terminal: one line rewritten in place, cut to the width, cleared when done', () => {
    const s = stream(true, 40);
    const p = progressPrinter(s);
    p.update(at(1_000));
    p.update(at(2_000));
    expect(s.out.split('\r\x1b[2K')).toEqual(['', progressLine(at(1_000)).slice(0, 39), progressLine(at(2_000)).slice(0, 39)]);
    expect(s.out).not.toContain('\n');
    p.done();
    expect(s.out.endsWith('\r\x1b[2K')).toBe(true);
  });

  test('in a log (not a terminal): a plain line every 5 s, and at once when the phase or the active faults change', () => {
    const s = stream(false);
    const p = progressPrinter(s);
    for (let ms = 1_000; ms <= 12_000; ms += 1_000) p.update(at(ms, { faultsActive: ms >= 3_000 && ms < 4_000 ? 1 : 0, phase: ms >= 11_000 ? 'settle' : 'steady' }));
    p.done();
    const lines = s.out.trimEnd().split('\n');
    expect(lines.map((l) => l.slice(0, 9))).toEqual(['[  1.0 s]', '[  3.0 s]', '[  4.0 s]', '[  9.0 s]', '[ 11.0 s]']);
    expect(lines[1]).toContain('faults active 1');
    expect(s.out).not.toContain('\x1b');
  });
});
