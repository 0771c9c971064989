import { formatMs } from '../checks/stats.ts';
import type { RunProgress } from '../runner/run.ts';

/**
 * Live status while a run goes: one rewritten line on a terminal, a plain
 * line every few seconds otherwise (CI logs).
 */
export function progressPrinter(stream: NodeJS.WriteStream, plainEveryMs = 5_000): { update(p: RunProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastPlainMs = -Infinity;
  let drawn = false;
  const line = (p: RunProgress) =>
    `[${formatMs(p.elapsedMs).padStart(7)}] ${p.phase.padEnd(6)} connected ${p.connected}  polling ${p.polling}  down ${p.down}  reconnects ${p.reconnects}`;
  return {
    update(p) {
      if (tty) {
        stream.write(`\r\x1b[2K${line(p)}`);
        drawn = true;
      } else if (p.elapsedMs - lastPlainMs >= plainEveryMs) {
        lastPlainMs = p.elapsedMs;
        stream.write(`${line(p)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
