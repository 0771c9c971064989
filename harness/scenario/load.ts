import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandLine } from '../../common/layout.ts';
import { HarnessError } from '../errors.ts';
import { defineScenario, type ScenarioDefinition } from './define.ts';

/**
 * A built-in scenario by name, or a user's scenario file (its default export)
 * by path. The built-ins come from the caller (the CLI and the library pass
 * scenarios/index.ts's map), so this schema module never imports scenarios/.
 */
export async function loadScenario(nameOrPath: string, builtIns: ReadonlyMap<string, ScenarioDefinition>): Promise<ScenarioDefinition> {
  const builtIn = builtIns.get(nameOrPath);
  if (builtIn) return builtIn;
  const looksLikePath = /[\\/]/.test(nameOrPath) || /\.[cm]?[jt]s$/.test(nameOrPath);
  if (!looksLikePath) {
    throw new HarnessError('EC_UNKNOWN_SCENARIO', `no scenario named ${JSON.stringify(nameOrPath)}`, `run \`${commandLine('scenario', 'list')}\`; built-in: ${[...builtIns.keys()].join(', ')}; or pass a file path like ./my-scenario.ts`);
  }
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), nameOrPath);
  if (!existsSync(file)) throw new HarnessError('EC_UNKNOWN_SCENARIO', `scenario file ${file} does not exist`, 'check the path (relative paths start where you ran npm)');
  let module: { default?: unknown };
  try {
    module = await importScenarioFile(file);
  } catch (error) {
    if (error instanceof HarnessError) throw error;
    const { where, what } = loadFailure(error, file);
    throw new HarnessError('EC_BAD_SCENARIO', `cannot load scenario file ${where}: ${what}`, `fix the error at ${where}, then run again (--debug prints the whole error)`, { cause: error });
  }
  if (module.default === undefined) throw new HarnessError('EC_BAD_SCENARIO', `scenario file ${file} has no default export`, 'end the file with `export default defineScenario({...})`');
  return defineScenario(module.default as ScenarioDefinition);
}

/**
 * The file's module. A .ts file needs a TypeScript loader: in the repository
 * everything runs through tsx already; the installed package runs under plain
 * node, which (before Node 22.6) cannot load .ts, so it borrows tsx from the
 * user's project when it has it.
 */
async function importScenarioFile(file: string): Promise<{ default?: unknown }> {
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if ((error as { code?: string })?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(file)) throw error;
    const tsImport = await findTsImport(file);
    if (!tsImport) {
      throw new HarnessError('EC_BAD_SCENARIO', `scenario file ${file} is TypeScript, which this Node (${process.version}) cannot load by itself`, 'install tsx in your project (npm install -D tsx), which edge-chaos then loads .ts scenario files with, or write the scenario as a .js/.mjs file', { cause: error });
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
