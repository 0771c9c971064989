import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { HarnessError } from '../errors.ts';
import type { RunResult } from '../runner/result.ts';
import { renderAgentLogs } from './agent-logs.ts';
import { renderHtmlReport } from './html-report.ts';
import { renderJunit } from './junit.ts';
import { renderSummaryJson } from './summary-json.ts';
import { renderSummaryMarkdown } from './summary-md.ts';

export { renderConsoleSummary } from './console.ts';
export { renderHtmlReport } from './html-report.ts';
export { renderSummaryMarkdown } from './summary-md.ts';

export interface WriteReportsOptions {
  /**
   * A file to append summary.md to: pass process.env.GITHUB_STEP_SUMMARY so
   * the run shows on the GitHub Actions job page. Default: none, so a library
   * user's test runs do not write into CI's summary unless they ask.
   */
  stepSummaryFile?: string;
}

/** A report folder name that sorts by time and names the scenario. */
export function defaultReportDir(result: RunResult, root = 'reports'): string {
  const stamp = result.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  return join(root, `${result.scenario.name.replace(/[^a-z0-9-]/gi, '_')}-${stamp}`);
}

/** The kernel's own folders: nothing is written there, and a recursive mkdir under /proc spins at 100% CPU instead of failing. */
const KERNEL_FOLDERS = ['/proc', '/sys'];

/**
 * Throws EC_REPORT_WRITE unless `dir` is a folder a report can be written to,
 * or one that can be created: not under /proc or /sys, every existing part of
 * the path a folder, the deepest existing one writable. Creates nothing, so
 * the CLI can ask before a run starts.
 */
export function checkReportDir(dir: string, flag = 'the report folder'): void {
  const refuse = (why: string, fix: string) => {
    throw new HarnessError('EC_REPORT_WRITE', `${flag} ${JSON.stringify(dir)} ${why}`, fix);
  };
  if (dir.trim() === '') refuse('is empty', 'pass a folder, e.g. --report-dir reports/my-run');
  let existing = resolve(dir);
  for (;;) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(existing).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') isDir = undefined;
      else if (code !== 'ENOENT') refuse(`cannot be checked: ${(error as Error).message}`, 'pass a folder you can write to');
    }
    if (isDir === false) refuse(existing === resolve(dir) ? 'is a file, not a folder' : `cannot be created: ${existing} is a file, not a folder`, 'pass a folder path, or move that file away');
    if (isDir === true) break;
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const real = realpathSync(existing);
  const target = join(real, resolve(dir).slice(existing.length));
  if (KERNEL_FOLDERS.some((k) => target === k || target.startsWith(k + sep))) refuse(`is under ${KERNEL_FOLDERS.find((k) => target === k || target.startsWith(k + sep))}, the kernel's own files`, 'pass a folder on a real file system, e.g. --report-dir reports/my-run');
  try {
    accessSync(real, constants.W_OK | constants.X_OK);
  } catch (error) {
    refuse(`cannot be written: ${existing} is not writable (${(error as NodeJS.ErrnoException).code})`, 'pass a folder you can write to');
  }
}

/** Writes every report file for a run into `dir`; returns the files written. */
export async function writeReports(result: RunResult, dir: string, options: WriteReportsOptions = {}): Promise<string[]> {
  checkReportDir(dir);
  const markdown = renderSummaryMarkdown(result, dir);
  const files = new Map<string, string>([
    ['summary.json', renderSummaryJson(result)],
    ['summary.md', markdown],
    ['junit.xml', renderJunit(result)],
    ['report.html', renderHtmlReport(result)],
    ['events.ndjson', result.events.map((e) => JSON.stringify(e)).join('\n') + '\n'],
  ]);
  if (result.hubMetricsText !== undefined) files.set('hub-metrics.txt', result.hubMetricsText);
  if (result.runMetricsText !== undefined) files.set('run-metrics.txt', result.runMetricsText);
  for (const [agent, log] of renderAgentLogs(result)) files.set(join('agent-logs', `${agent}.log`), log);
  try {
    await mkdir(join(dir, 'agent-logs'), { recursive: true });
    await Promise.all([...files].map(([name, content]) => writeFile(join(dir, name), content)));
  } catch (error) {
    throw new HarnessError('EC_REPORT_WRITE', `cannot write the report to ${dir}: ${(error as Error).message}`, 'pass --report-dir with a folder you can write to', { cause: error });
  }
  if (options.stepSummaryFile) {
    try {
      await appendFile(options.stepSummaryFile, `${markdown}\n`);
    } catch (error) {
      throw new HarnessError('EC_REPORT_WRITE', `cannot append the summary to GITHUB_STEP_SUMMARY (${options.stepSummaryFile}): ${(error as Error).message}`, 'unset GITHUB_STEP_SUMMARY or point it at a writable file', { cause: error });
    }
  }
  return [...files.keys()].map((name) => join(dir, name));
}
