/**
 * `npm run test:package`: edge-chaos as a user gets it. Packs the tarball
 * (prepack builds dist/), installs it into a new project in a temporary
 * folder with vitest, typescript and @types/node, and checks there, with
 * plain node and no tsx:
 *
 * - the tarball holds dist/ and no tests, fixtures or TypeScript sources;
 * - `npx edge-chaos` runs scenarios (exit 0 clean, 1 on the incident's defect),
 *   writes reports/ under the caller's folder, and serves hub and list;
 * - examples/ci/edge-chaos.sh runs scenarios against a --hub-cmd hub and carries the exit code;
 * - a vitest file using runScenario and 'edge-chaos/vitest' passes;
 * - a strict NodeNext `tsc` accepts that file against the shipped .d.ts;
 * - `import('edge-chaos')` works under plain node.
 *
 * Exit 0 when every check passed, 1 when one failed (each failure prints its
 * command and the end of its output), 2 when packing or installing failed.
 * The temporary folder is removed whatever happens.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONSUMER_FILES = fileURLToPath(new URL('./package-consumer/', import.meta.url));
const started = Date.now();
const results: { name: string; ok: boolean }[] = [];

/** The environment of a user's shell: none of the npm run variables this script was started with (INIT_CWD would move where relative paths start). */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|INIT_CWD$|GITHUB_STEP_SUMMARY$|TOXIPROXY_URL$|FORCE_COLOR$)/i.test(key)));
  // CI: the progress line prints plain lines; NO_COLOR: a failure's output tail stays readable.
  return { ...env, CI: 'true', NO_COLOR: '1' };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: { ...userEnv(), ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const tail = (text: string, lines = 15): string => text.trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');

function describeRun(command: string, args: string[], out: SpawnSyncReturns<string>): string {
  const status = out.error ? `${out.error.message}` : out.signal ? `killed by ${out.signal}` : `exit ${out.status}`;
  return `  $ ${[command, ...args].join(' ')}  (${status})\n${tail(`${out.stdout ?? ''}\n${out.stderr ?? ''}`)}`;
}

/** A setup step that must work for any check to mean something: its failure exits 2. */
function setup(name: string, command: string, args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const since = Date.now();
  const out = run(command, args, cwd, timeoutMs);
  if (out.status !== 0) {
    process.stderr.write(`error: ${name} failed\n${describeRun(command, args, out)}\nfix: run the command above in that folder by hand to see why\n`);
    throw new SetupFailed();
  }
  process.stdout.write(`  done  ${name} (${seconds(since)})\n`);
  return out;
}

class SetupFailed extends Error {}

/** One check: `verify` returns what is wrong, or undefined. */
function check(name: string, command: string, args: string[], cwd: string, verify: (out: SpawnSyncReturns<string>) => string | undefined, timeoutMs = 90_000, env: NodeJS.ProcessEnv = {}): void {
  const since = Date.now();
  const out = run(command, args, cwd, timeoutMs, env);
  const wrong = out.error ? out.error.message : verify(out);
  results.push({ name, ok: wrong === undefined });
  if (wrong === undefined) process.stdout.write(`  PASS  ${name} (${seconds(since)})\n`);
  else process.stdout.write(`  FAIL  ${name}: ${wrong}\n${describeRun(command, args, out)}\n`);
}

function checkValue(name: string, wrong: string | undefined): void {
  results.push({ name, ok: wrong === undefined });
  process.stdout.write(wrong === undefined ? `  PASS  ${name}\n` : `  FAIL  ${name}: ${wrong}\n`);
}

const exitIs = (code: number) => (out: SpawnSyncReturns<string>) => (out.status === code ? undefined : `exited ${out.status ?? out.signal}, expected ${code}`);

function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];
}

/** Exact versions of the repo's own copies, so the consumer's install comes from the npm cache. */
function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(createRequire(join(ROOT, 'package.json')).resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

/**
 * better-sqlite3's install fetches a prebuilt addon (from outside the npm
 * registry) or compiles one for about a minute: its own business, not this
 * package's. The consumer installs without scripts and takes the addon the
 * repo's npm ci built when it is the same version for the same Node; else it
 * rebuilds, as a user's install would.
 */
function provideSqliteAddon(consumer: string): void {
  const repoDir = join(ROOT, 'node_modules/better-sqlite3');
  const consumerDir = join(consumer, 'node_modules/better-sqlite3');
  const addon = 'build/Release/better_sqlite3.node';
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (existsSync(join(repoDir, addon)) && version(repoDir) === version(consumerDir)) {
    cpSync(join(repoDir, 'build/Release'), join(consumerDir, 'build/Release'), { recursive: true, filter: (src) => !src.includes('/obj') });
    process.stdout.write('  done  better-sqlite3 addon taken from the repo (same version, same Node)\n');
  } else {
    setup('npm rebuild better-sqlite3', 'npm', ['rebuild', 'better-sqlite3'], consumer, 300_000);
  }
}

function main(): number {
  const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-package-'));
  const consumer = join(tmp, 'consumer');
  // Ctrl-C reaches the running child too; once it has gone, remove the folder before exiting.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      rmSync(tmp, { recursive: true, force: true });
      process.stderr.write(`\npackage test interrupted (${signal}); removed ${tmp}\n`);
      process.exit(2);
    });
  }
  try {
    process.stdout.write(`edge-chaos package test in ${tmp}\n`);
    setup('npm pack (prepack: npm run build)', 'npm', ['pack', '--silent', '--pack-destination', tmp], ROOT, 180_000);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) {
      process.stderr.write(`error: npm pack wrote no .tgz into ${tmp}\nfix: run npm pack by hand\n`);
      return 2;
    }

    const listed = setup('list the tarball', 'tar', ['tzf', join(tmp, tarball)], tmp, 30_000).stdout.split('\n').filter((l) => l !== '');
    const required = ['package/dist/harness/index.js', 'package/dist/harness/index.d.ts', 'package/dist/harness/vitest/setup.js', 'package/dist/harness/cli/bin.js', 'package/dist/harness/reporters/html/page.js', 'package/dist/harness/reporters/html/page.css', 'package/dist/harness/runtime/fleet/shard/main.js', 'package/dist/server/main.js', 'package/dist/toxiproxy/main.js'];
    const missing = required.filter((f) => !listed.includes(f));
    const unwanted = listed.filter((f) => /\.test\.|test-support|\/fixtures\/|\/matrix\/|\/fuzz|(?<!\.d)\.ts$/.test(f));
    checkValue(`tarball: ${listed.length} files, dist/ complete, no tests, fixtures or .ts sources`, missing.length > 0 ? `missing ${missing.join(', ')}` : unwanted.length > 0 ? `should not ship ${unwanted.slice(0, 5).join(', ')}${unwanted.length > 5 ? ` and ${unwanted.length - 5} more` : ''}` : undefined);

    cpSync(CONSUMER_FILES, consumer, { recursive: true });
    writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'edge-chaos-consumer', private: true, type: 'module' }, null, 2)}\n`);
    setup(
      'npm install the tarball, vitest, typescript, @types/node',
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(tmp, tarball), `vitest@${repoVersion('vitest')}`, `typescript@${repoVersion('typescript')}`, `@types/node@${repoVersion('@types/node')}`],
      consumer,
      300_000,
    );
    provideSqliteAddon(consumer);
    const declarations = filesUnder(join(consumer, 'node_modules/edge-chaos/dist')).filter((f) => f.endsWith('.d.ts'));
    const tsPaths = declarations.filter((f) => /(?:from|import)\s*\(?\s*'\.{1,2}\/[^']+\.ts'/.test(readFileSync(f, 'utf8')));
    checkValue(`declarations: ${declarations.length} .d.ts files import .js paths, none a .ts path`, declarations.length === 0 ? 'no .d.ts installed' : tsPaths.length > 0 ? `${tsPaths.length} import .ts paths, e.g. ${tsPaths[0]}` : undefined);

    check('npx edge-chaos list', 'npx', ['edge-chaos', 'list'], consumer, (out) => exitIs(0)(out) ?? (out.stdout.includes('duplicate-ws-handler') ? undefined : 'does not list the hub defects'));
    check('npx edge-chaos loop --agents 3 --duration 3s: exit 0, report under ./reports', 'npx', ['edge-chaos', 'loop', '--agents', '3', '--duration', '3s'], consumer, (out) => {
      const reports = join(consumer, 'reports');
      const runs = existsSync(reports) ? readdirSync(reports).filter((d) => existsSync(join(reports, d, 'summary.json'))) : [];
      return exitIs(0)(out) ?? (runs.length === 1 ? (out.stdout.includes('replay: npx edge-chaos loop --agents 3') ? undefined : 'the replay command is not an npx edge-chaos one') : `expected one report with summary.json under ${reports}, found ${runs.length}`);
    });
    check('npx edge-chaos loop -- --agents 3 --duration 3s --defect duplicate-ws-handler: exit 1, the loop named', 'npx', ['edge-chaos', 'loop', '--', '--agents', '3', '--duration', '3s', '--defect', 'duplicate-ws-handler'], consumer, (out) => exitIs(1)(out) ?? (/FAIL\s+connection-loop/.test(out.stdout) ? undefined : 'no failed connection-loop check in the output'));
    check('npx edge-chaos ./my-scenario.mjs --help: a scenario file that imports edge-chaos', 'npx', ['edge-chaos', './my-scenario.mjs', '--help'], consumer, (out) => exitIs(0)(out) ?? (out.stdout.startsWith('consumer-steady: ') ? undefined : 'did not describe the scenario'));
    // Outside tsconfig's include: it is here to be refused, not type-checked.
    mkdirSync(join(consumer, 'chaos'));
    writeFileSync(join(consumer, 'chaos/no-tsx.ts'), readFileSync(join(consumer, 'my-scenario.mjs'), 'utf8'));
    check('npx edge-chaos ./chaos/no-tsx.ts without tsx installed: exit 2, says to install tsx', 'npx', ['edge-chaos', './chaos/no-tsx.ts'], consumer, (out) => exitIs(2)(out) ?? (/^error: .*is TypeScript.*\nfix: install tsx/.test(out.stderr) ? undefined : 'no error/fix naming tsx'));
    check('npx edge-chaos hub --help', 'npx', ['edge-chaos', 'hub', '--help'], consumer, (out) => exitIs(0)(out) ?? (out.stdout.includes('npx edge-chaos hub') ? undefined : 'the usage does not name npx edge-chaos hub'));
    const foreignHub = join(ROOT, 'harness/runtime/hubs/zoo/foreign-hub.mjs');
    check(
      'examples/ci/edge-chaos.sh loop nosuch (a hub written apart from ours as --hub-cmd): exit 2 carried, loop reported',
      'bash',
      [join(ROOT, 'examples/ci/edge-chaos.sh'), 'loop', 'nosuch'],
      consumer,
      (out) => {
        const files = ['junit.xml', 'summary.md', 'summary.json', 'report.html'].filter((f) => !existsSync(join(consumer, 'ci-reports/loop', f)));
        return exitIs(2)(out) ?? (files.length > 0 ? `ci-reports/loop lacks ${files.join(', ')}` : out.stdout.includes('edge-chaos loop: exit 0') ? undefined : 'loop did not pass');
      },
      90_000,
      { HUB_CMD: `node '${foreignHub}'`, REPORT_ROOT: 'ci-reports', EDGE_CHAOS_ARGS: '--agents 3 --duration 3s --seed 1' },
    );
    check('vitest: runScenario and the edge-chaos/vitest matchers', 'npx', ['vitest', 'run'], consumer, (out) => exitIs(0)(out) ?? (/Tests\s+2 passed/.test(out.stdout.replace(/\x1b\[[0-9;]*m/g, '')) ? undefined : 'expected 2 passed tests'));
    check('tsc --noEmit: strict NodeNext, no skipLibCheck, against the shipped .d.ts', 'npx', ['tsc', '-p', '.'], consumer, exitIs(0));
    const probe = "import('edge-chaos').then((m) => { if (typeof m.runScenario !== 'function' || !m.SCENARIOS.has('loop')) { console.error('exports', Object.keys(m)); process.exit(1); } })";
    check("node -e \"import('edge-chaos')\" under plain node", process.execPath, ['-e', probe], consumer, exitIs(0), 30_000);
  } catch (error) {
    if (error instanceof SetupFailed) return 2;
    throw error;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`\npackage test ${failed === 0 ? 'passed' : 'FAILED'} in ${seconds(started)}\n${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
