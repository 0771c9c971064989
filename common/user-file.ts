import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EdgeChaosError, type ErrorCode } from './errors.ts';

/**
 * A file the user wrote (a scenario, a protocol profile), loaded as a
 * module. `what` names it in errors ("scenario file", "protocol profile"),
 * `code` is the error it raises when the file does not load.
 */
export async function importUserFile(file: string, what: string, code: ErrorCode): Promise<{ default?: unknown }> {
  try {
    return await importFile(file, what, code);
  } catch (error) {
    if (error instanceof EdgeChaosError) throw error;
    const { where, what: why } = loadFailure(error, file);
    throw new EdgeChaosError(code, `cannot load ${what} ${where}: ${why}`, `fix the error at ${where}, then run again (--debug prints the whole error)`, { cause: error });
  }
}

/**
 * The file's module. A .ts file needs a TypeScript loader: in the repository
 * everything runs through tsx already; the installed package runs under plain
 * node, which (before Node 22.6) cannot load .ts, so it borrows tsx from the
 * user's project when it has it.
 */
async function importFile(file: string, what: string, code: ErrorCode): Promise<{ default?: unknown }> {
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if ((error as { code?: string })?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(file)) throw error;
    const tsImport = await findTsImport(file);
    if (!tsImport) {
      throw new EdgeChaosError(code, `${what} ${file} is TypeScript, which this Node (${process.version}) cannot load by itself`, `install tsx in your project (npm install -D tsx), which edge-chaos then loads .ts files with, or write the ${what} as a .js/.mjs file`, { cause: error });
    }
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  }
}

type TsImport = (specifier: string, parentUrl: string) => Promise<unknown>;

/** tsx's ESM API (`tsx/esm/api`) as the scenario file's own project resolves it; undefined without tsx. */
async function findTsImport(file: string): Promise<TsImport | undefined> {
  let manifest: string;
  try {
    manifest = createRequire(file).resolve('tsx/package.json');
  } catch {
    return undefined;
  }
  // require.resolve would pick the CommonJS build, whose tsImport cannot be called from an ES module: read the import condition instead.
  const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: string | { default?: string } }> }).exports?.['./esm/api']?.import;
  const entry = typeof exported === 'string' ? exported : exported?.default;
  if (entry === undefined) return undefined;
  const api = (await import(pathToFileURL(join(dirname(manifest), entry)).href)) as { tsImport?: TsImport };
  return api.tsImport;
}

/**
 * Where a scenario file failed to load and why, on one line: esbuild's
 * syntax errors carry file, line and column (as `errors`, or in tsx's text); anything thrown
 * while the module ran is placed by its stack frame in that file.
 */
function loadFailure(error: unknown, file: string): { where: string; what: string } {
  const first = (error as { errors?: { text?: string; location?: { file?: string; line?: number; column?: number } | null }[] })?.errors?.[0];
  if (first?.location?.line !== undefined) {
    return { where: `${first.location.file ? resolve(first.location.file) : file}:${first.location.line}:${first.location.column ?? 0}`, what: first.text ?? 'syntax error' };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // tsx passes esbuild's errors on as text: "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <text>".
  const transform = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (transform) return { where: `${resolve(transform[1]!)}:${transform[2]}:${transform[3]}`, what: transform[4]! };
  const href = pathToFileURL(file).href;
  const frame = ((error as Error)?.stack ?? '').split('\n').find((line) => line.includes(href) || line.includes(file));
  const at = frame && /:(\d+):(\d+)\)?\s*$/.exec(frame);
  return { where: at ? `${file}:${at[1]}:${at[2]}` : file, what: message.split('\n')[0]!.trim() };
}
