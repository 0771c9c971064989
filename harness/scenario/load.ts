import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { importUserFile } from '../../common/user-file.ts';
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
  const module = await importUserFile(file, 'scenario file', 'EC_BAD_SCENARIO');
  if (module.default === undefined) throw new HarnessError('EC_BAD_SCENARIO', `scenario file ${file} has no default export`, 'end the file with `export default defineScenario({...})`');
  return defineScenario(module.default as ScenarioDefinition);
}
