import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EdgeChaosError } from '../../../common/errors.ts';
import { loadTestcontainers } from './testcontainers.ts';

/**
 * testcontainers is an optional peer dependency: nothing but a container run
 * loads it, and a container run without it is a coded error that says what
 * to install.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-optional-peer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadTestcontainers', () => {
  test('loads the package once (memoised)', async () => {
    const first = await loadTestcontainers();
    expect(typeof first.GenericContainer).toBe('function');
    expect(await loadTestcontainers()).toBe(first);
  });

  test('a package that is not installed: EC_PEER_MISSING naming it, and the npm install command as the fix', async () => {
    const error = await loadTestcontainers('edge-chaos-no-such-package').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeChaosError);
    expect((error as EdgeChaosError).code).toBe('EC_PEER_MISSING');
    expect((error as EdgeChaosError).message).toMatch(/--hub-runtime container.*testcontainers.*not installed.*edge-chaos-no-such-package/);
    expect((error as EdgeChaosError).fix).toMatch(/npm install -D testcontainers@\^11 .*Node 22/);
  });
});

describe('a run that uses no container never loads testcontainers', () => {
  test('loading the library and the CLI and running an in-process scenario loads no Docker client package', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'harness/runtime/docker/fixtures/load-library.ts', join(tmp, 'resolved.txt')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split('\n').pop()!) as { verdict: string; proxy: string; before: string[]; after: number };
    expect(seen.proxy).toMatch(/^embedded /);
    expect(seen.before).toEqual([]);
    // The control: importing it afterwards is seen, so an empty list above means not loaded, not unseen.
    expect(seen.after).toBeGreaterThan(10);
  });
});

/**
 * The repository copied (without .git and reports) beside a node_modules that
 * links every installed package except testcontainers: the package is really
 * absent, as after a minimal install of edge-chaos.
 */
describe('without testcontainers installed', () => {
  const copy = join(tmp, 'repo');
  beforeAll(() => {
    cpSync(REPO_ROOT, copy, { recursive: true, filter: (src) => !/^(node_modules|\.git|reports|dist)$/.test(src.slice(REPO_ROOT.length + 1).split('/')[0]!) });
    const modules = realpathSync(join(REPO_ROOT, 'node_modules'));
    mkdirSync(join(copy, 'node_modules'));
    for (const entry of readdirSync(modules)) if (entry !== 'testcontainers') symlinkSync(join(modules, entry), join(copy, 'node_modules', entry));
  });

  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], { cwd: copy, encoding: 'utf8', timeout: 60_000 });

  test.each([['--hub-runtime', 'container'], ['--toxiproxy', 'container']])('%s %s: exit 2, the cause names testcontainers, the fix the npm install command', (option, value) => {
    const run = cli('loop', '--agents', '1', '--duration', '1s', '--report-dir', join(tmp, `r-${value}${option}`), option, value);
    expect(run.status, run.stderr).toBe(2);
    const lines = run.stderr.replace(/\n$/, '').split('\n');
    expect(lines, run.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: .*needs the package testcontainers, which is not installed/);
    expect(lines[1]).toBe('fix: install it: npm install -D testcontainers@^11 (12 needs Node 22)');
  });

  test('a scenario through the embedded Toxiproxy runs to its verdict', () => {
    const reportDir = join(tmp, 'r-plain');
    const run = cli('loop', '--agents', '2', '--duration', '1s', '--toxiproxy', 'embedded', '--report-dir', reportDir);
    expect(run.stderr).not.toMatch(/testcontainers|unexpected failure/);
    // Whatever it decided (a loaded machine can make it invalid): it ran and wrote its report.
    expect(existsSync(join(reportDir, 'summary.json')), run.stderr).toBe(true);
    expect(JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')).verdict).toMatch(/^(passed|failed|invalid)$/);
  });
});
