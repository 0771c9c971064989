import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * The layering the README's "How it is built" promises, read from the
 * imports of every non-test source file: common/ at the bottom, protocol/
 * above it, hub / agent / Toxiproxy beside each other, the harness on top
 * (its runtime below its runner, the agent fleet in harness/runtime/fleet/),
 * scenarios/ as plain data on the harness's scenario API.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['common', 'protocol', 'server', 'agent', 'toxiproxy', 'harness', 'scenarios'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test(-support)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every relative import of each file, as a repo-relative path. */
const imports = new Map(
  SOURCE_DIRS.flatMap(sourceFiles).map((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) =>
      relative(root, resolve(root, dirname(file), m[1]!)),
    );
    return [file, targets] as const;
  }),
);

function violations(from: (file: string) => boolean, forbidden: (target: string) => boolean): string[] {
  return [...imports].flatMap(([file, targets]) => (from(file) ? targets.filter(forbidden).map((t) => `${file} -> ${t}`) : []));
}

const under = (...dirs: string[]) => (path: string) => dirs.some((d) => path.startsWith(`${d}/`));

describe('the folders import downward only', () => {
  test('common/ imports nothing of the project', () => {
    expect(violations(under('common'), (t) => !t.startsWith('common/'))).toEqual([]);
  });
  test('protocol/ imports only common/', () => {
    expect(violations(under('protocol'), (t) => !under('common', 'protocol')(t))).toEqual([]);
  });
  test('server/, agent/ and toxiproxy/ import nothing from harness/ or scenarios/', () => {
    expect(violations(under('server', 'agent', 'toxiproxy'), under('harness', 'scenarios'))).toEqual([]);
  });
  test('what runs inside a shard process (the fleet of agents, fleet/shard/) imports only agent/, protocol/ and common/: none of the harness', () => {
    const inShard = (f: string) => f === 'harness/runtime/fleet/fleet.ts' || under('harness/runtime/fleet/shard')(f);
    expect(violations(inShard, (t) => !inShard(t) && !under('agent', 'protocol', 'common')(t))).toEqual([]);
  });
  test('the runtime imports nothing from the runner, the CLI, the scenario schema, the checks, the reporters or scenarios/ (it is given plain values)', () => {
    expect(violations(under('harness/runtime'), under('harness/runner', 'harness/cli', 'harness/scenario', 'harness/checks', 'harness/reporters', 'harness/matrix', 'scenarios'))).toEqual([]);
  });
  test('scenarios/ import only the harness scenario API', () => {
    expect(violations(under('scenarios'), (t) => !under('scenarios')(t) && t !== 'harness/scenario/index.ts')).toEqual([]);
  });
  test('the scenario schema imports no scenario and no runner', () => {
    expect(violations(under('harness/scenario'), under('scenarios', 'harness/runner', 'harness/cli', 'harness/runtime'))).toEqual([]);
  });
  test('checks import nothing from the runtime, the runner or the CLI (they are pure)', () => {
    expect(violations(under('harness/checks'), under('harness/runtime', 'harness/runner', 'harness/cli', 'server', 'toxiproxy'))).toEqual([]);
  });
  test('reporters read the result, not the runtime', () => {
    expect(violations(under('harness/reporters'), under('harness/runtime', 'harness/cli', 'server', 'toxiproxy'))).toEqual([]);
  });
  test('the harness imports scenarios/ only from the CLI, the matrix and the library index (the rest is given scenarios)', () => {
    const mayImportScenarios = (f: string) => f === 'harness/index.ts' || under('harness/cli', 'harness/matrix')(f);
    expect(violations((f) => under('harness')(f) && !mayImportScenarios(f), under('scenarios'))).toEqual([]);
  });
  test('the library (harness/index.ts) does not import the CLI', () => {
    expect(violations((f) => f === 'harness/index.ts', under('harness/cli'))).toEqual([]);
  });
});

/** Every import cycle among the source files (type-only and dynamic imports count), each as `a -> b -> a`. */
function cycles(): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of new Set(imports.get(file) ?? [])) {
      if (state.get(target) === 'open') found.push([...path.slice(path.indexOf(target)), target].join(' -> '));
      else if (state.get(target) === undefined && imports.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...imports.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return found;
}

describe('no import cycles', () => {
  // A cycle, even of types only, means two modules are one concept split in two, or a type sits in the wrong one: move it where both can import it one way.
  test('no source file reaches itself through its imports', () => {
    expect(cycles()).toEqual([]);
  });
});

/**
 * Optional peer dependencies (harness/runtime/optional-peer.ts) load on first
 * use: a value import anywhere would load them with the library, and fail it
 * where they are not installed. Only type imports (erased) are allowed.
 */
const OPTIONAL_PEERS = ['testcontainers', '@kubernetes/client-node'];

describe('optional peer packages are imported for their types only', () => {
  test('no source file has a value import of testcontainers or @kubernetes/client-node', () => {
    const isPeer = (specifier: string) => OPTIONAL_PEERS.some((peer) => specifier === peer || specifier.startsWith(`${peer}/`));
    const valueImports = SOURCE_DIRS.flatMap(sourceFiles).flatMap((file) => {
      // Comments may show the pattern; only code counts.
      const code = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const statements = [...code.matchAll(/(?:^|\n)\s*(?:import|export)(\s+type\b)?(?:\s+[^'";]*?\s+from)?\s*'([^']+)'/g)].filter((m) => m[1] === undefined && isPeer(m[2]!));
      // `typeof import('x')` is a type; `import('x')` loads it.
      const dynamic = [...code.matchAll(/(?<!typeof\s+)\bimport\(\s*'([^']+)'\s*\)/g)].filter((m) => isPeer(m[1]!));
      return [...statements, ...dynamic].map((m) => `${file}: ${m[0].trim()}`);
    });
    expect(valueImports).toEqual([]);
  });
});
