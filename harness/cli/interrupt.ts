/**
 * How the CLI is stopped from outside. One Ctrl-C, a SIGTERM (a CI cancel
 * button), a closed terminal (SIGHUP) or the death of the npm process above
 * us all mean the same: stop the run, clean up, write the report of what was
 * observed. A second Ctrl-C forces the exit, but only once cleanup has said
 * it is under way: a terminal's Ctrl-C reaches the whole process group, and
 * npm forwards the same signal to us a moment later, so the first few
 * hundred ms of repeats are one keypress, not two.
 */

/** The signals that stop a run. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface InterruptOptions {
  /** Aborted on the first stop request. */
  abort: AbortController;
  /** Where the messages go (stderr). */
  out: { write(text: string): unknown };
  /** Repeats within this long after the first are the same request, forwarded (npm) or doubled (terminal + tsx). Default 1_000. */
  duplicateWindowMs?: number;
  /** When set, the run also stops if this process's parent changes (npm died and we were orphaned); polled every this many ms. */
  parentPollMs?: number;
  /** Called on a forced exit (tests replace it). Default process.exit. */
  exit?: (code: number) => void;
  /** Exit code of a forced exit. */
  forcedExitCode: number;
}

/** Installs the handlers; `dispose()` removes them once the run and its report are done. */
export function handleInterrupts(options: InterruptOptions): { dispose(): void } {
  const { abort, out, duplicateWindowMs = 1_000, parentPollMs, forcedExitCode } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let forceArmed = false;
  let armTimer: NodeJS.Timeout | undefined;

  const stop = (why: string) => {
    if (abort.signal.aborted) return;
    out.write(`\n${why}: stopping the run and cleaning up; the report will cover what was observed\n`);
    abort.abort();
    armTimer = setTimeout(() => {
      forceArmed = true;
      out.write('still cleaning up; press Ctrl-C again to exit at once, without cleanup (processes and temporary files may be left)\n');
    }, duplicateWindowMs);
    armTimer.unref();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (!abort.signal.aborted) return stop(signal);
    // Within the window this is the same keypress arriving a second way.
    if (!forceArmed) return;
    out.write(`\n${signal} again: exiting without cleanup\n`);
    exit(forcedExitCode);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);

  let parentTimer: NodeJS.Timeout | undefined;
  if (parentPollMs !== undefined) {
    const parent = process.ppid;
    parentTimer = setInterval(() => {
      if (process.ppid !== parent) stop(`the parent process (pid ${parent}) is gone`);
    }, parentPollMs);
    parentTimer.unref();
  }

  return {
    dispose() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      clearTimeout(armTimer);
      clearInterval(parentTimer);
    },
  };
}
