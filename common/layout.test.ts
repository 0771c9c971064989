import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { COMPILED, commandLine, nodeEntry } from './layout.ts';

describe('nodeEntry', () => {
  test('from a source file: the .ts entry through tsx', () => {
    expect(nodeEntry('../../agent/shard/main.ts', 'file:///repo/harness/runtime/fleet.ts')).toEqual({ file: '/repo/agent/shard/main.ts', execArgv: ['--import', 'tsx'] });
  });

  test('from a compiled file: the .js entry beside it under plain node', () => {
    expect(nodeEntry('../../agent/shard/main.ts', 'file:///pkg/dist/harness/runtime/fleet.js')).toEqual({ file: '/pkg/dist/agent/shard/main.js', execArgv: [] });
  });

  test('the entries the runtime starts exist in this layout', () => {
    const from = new URL('../harness/runtime/fleet.ts', import.meta.url).href;
    for (const entry of ['../../agent/shard/main.ts', '../../toxiproxy/main.ts', '../../server/main.ts']) expect(existsSync(nodeEntry(entry, from).file), entry).toBe(true);
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
