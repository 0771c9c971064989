/**
 * The two layouts this code runs in. In the repository it runs from its
 * TypeScript sources through tsx (tests, `npm run scenario`); installed as a
 * package it runs compiled, from dist/, under plain node. A child process
 * (fleet shard, Toxiproxy server, reference hub) must be started in the same
 * layout as its parent, and a command printed for a user must be one they can
 * type where they are.
 */
import { fileURLToPath } from 'node:url';

/** True when this module was compiled to .js (dist/, an installed package). */
export const COMPILED = import.meta.url.endsWith('.js');

/** A Node entry file and the node arguments that must come before it. */
export interface NodeEntry {
  /** Absolute path of the file node runs. */
  file: string;
  /** Node options before the file: `--import tsx` for a source entry, none for a compiled one. */
  execArgv: string[];
}

/**
 * The entry module at `sourcePath` (written as the source file, e.g.
 * './shard/main.ts' from harness/runtime/fleet/create.ts), resolved from the
 * caller's `import.meta.url`: that .ts through tsx when the caller is a
 * source file, the .js next to the caller under plain node when it was
 * compiled.
 */
export function nodeEntry(sourcePath: string, callerUrl: string): NodeEntry {
  const compiled = callerUrl.endsWith('.js');
  const relative = compiled ? sourcePath.replace(/\.ts$/, '.js') : sourcePath;
  return { file: fileURLToPath(new URL(relative, callerUrl)), execArgv: compiled ? [] : ['--import', 'tsx'] };
}

/** The commands a user types: the repository's npm scripts, or the installed package's bin. */
export type Tool = 'scenario' | 'hub' | 'toxiproxy';

/**
 * A command line for `tool` as the user types it in this layout:
 * `npm run scenario loop -- --agents 5` in the repository,
 * `npx edge-chaos loop --agents 5` where the package is installed.
 */
export function commandLine(tool: Tool, positional = '', options = ''): string {
  const head = COMPILED ? ['npx edge-chaos', tool === 'scenario' ? '' : tool, positional] : [`npm run ${tool}`, positional];
  const command = head.filter((part) => part !== '').join(' ');
  if (options === '') return command;
  return COMPILED ? `${command} ${options}` : `${command} -- ${options}`;
}
