import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { COMPILED, commandLine, nodeEntry } from './layout.ts';

describe('nodeEntry', () => {
  test('from a source file: the .ts entry through tsx', () => {
    expect(nodeEntry('./shard/main.ts', 'file:///repo/harness/runtime/fleet/create.ts')).toEqual({ file: '/repo/harness/runtime/fleet/shard/main.ts', execArgv: ['--import', 'tsx'] });
  });

  test('from a compiled file: the .js entry beside it under plain node', () => {
    expect(nodeEntry('./shard/main.ts', 'file:///pkg/dist/harness/runtime/fleet/create.js')).toEqual({ file: '/pkg/dist/harness/runtime/fleet/shard/main.js', execArgv: [] });
  });

  test('the entries the runtime starts exist in this layout', () => {
    const starts: [from: string, entry: string][] = [
      ['../harness/runtime/fleet/create.ts', './shard/main.ts'],
      ['../harness/runtime/fleet/launchers/local-network.ts', '../shard/main.ts'],
      ['../harness/runtime/toxiproxy-servers.ts', '../../toxiproxy/main.ts'],
      ['../harness/runtime/hubs/reference-process.ts', '../../../server/main.ts'],
    ];
    for (const [from, entry] of starts) expect(existsSync(nodeEntry(entry, new URL(from, import.meta.url).href).file), `${entry} from ${from}`).toBe(true);
  });
});

describe('commandLine', () => {
  test('tests run from sources: the repo npm scripts, options after --', () => {
    expect(COMPILED).toBe(false);
    expect(commandLine('scenario', 'list')).toBe('npm run scenario list');
    expect(commandLine('scenario', 'loop', '--agents 5')).toBe('npm run scenario loop -- --agents 5');
    expect(commandLine('scenario', '', '--help')).toBe('npm run scenario -- --help');
    expect(commandLine('hub', '', '--port 0')).toBe('npm run hub -- --port 0');
    expect(commandLine('toxiproxy')).toBe('npm run toxiproxy');
  });
});
