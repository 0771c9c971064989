import { formatMs } from '../checks/stats.ts';
import type { RunProgress } from '../runner/options.ts';

/** What the printer writes to: a terminal (isTTY, columns) or a pipe/CI log. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** One status line: elapsed, phase, the fleet's state, reconnects, faults under way. */
export function progressLine(p: RunProgress): string {
  const agents = p.connected + p.polling + p.down;
  const faults = p.faultsActive > 0 ? `  faults active ${p.faultsActive}` : '';
  return `[${formatMs(p.elapsedMs).padStart(7)}] ${p.phase.padEnd(6)} connected ${p.connected}/${agents}  polling ${p.polling}  down ${p.down}  reconnects ${p.reconnects}${faults}`;
}

/**
 * Live status while a run goes. On a terminal, one line rewritten in place
 * (cut to the terminal's width, since a wrapped line cannot be rewritten);
 * otherwise a plain line every few seconds and whenever the phase or the
 * number of active faults changes, so a CI log shows the run's shape
 * without a line per second.
 */
export function progressPrinter(stream: ProgressStream, plainEveryMs = 5_000): { update(p: RunProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastPlainMs = -Infinity;
  let lastShape = '';
  let drawn = false;
  return {
    update(p) {
      const line = progressLine(p);
      if (tty) {
        const width = stream.columns && stream.columns > 10 ? stream.columns - 1 : line.length;
        stream.write(`\r\x1b[2K${line.slice(0, width)}`);
        drawn = true;
        return;
      }
      const shape = `${p.phase}/${p.faultsActive}`;
      if (p.elapsedMs - lastPlainMs >= plainEveryMs || shape !== lastShape) {
        lastPlainMs = p.elapsedMs;
        lastShape = shape;
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
