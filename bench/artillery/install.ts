import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../paths.ts';

/**
 * Artillery is not a dependency of the project (it pulls in ~1,000 packages
 * and a browser). The bench installs one pinned version into a folder of its
 * own, once; later runs find it there. The folder is node_modules/.cache/,
 * where tools keep caches: git, tsc and vitest all skip it, whereas under
 * bench/ vitest would collect the test files some of Artillery's packages ship.
 * `npm ci` empties it; the next bench installs again.
 */

/**
 * 2.0.21 is the newest Artillery that supports Node 20 (2.0.22 and later
 * declare node >= 22.13). Pinned so the numbers compare run to run.
 */
export const ARTILLERY_VERSION = '2.0.21';
export const ARTILLERY_DIR = fileURLToPath(new URL('../../node_modules/.cache/edge-chaos-bench/artillery/', import.meta.url));
const INSTALL_TIMEOUT_MS = 150_000;

export type ArtilleryInstall = { ok: true; binPath: string; how: string } | { ok: false; reason: string };

function binPath(dir: string): string {
  return join(dir, 'node_modules', 'artillery', 'bin', 'run');
}

function installedVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', 'artillery', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** npm as the user's `npm run` started it, else the one on PATH. */
function npmCommand(): { command: string; prefixArgs: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath?.endsWith('.js')) return { command: process.execPath, prefixArgs: [execPath] };
  return { command: 'npm', prefixArgs: [] };
}

function runNpmInstall(dir: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { command, prefixArgs } = npmCommand();
  const args = [
    ...prefixArgs,
    'install',
    '--prefix',
    dir,
    // Its postinstall scripts would download a browser, which cannot work here and is not needed for the ws engine.
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--save-exact',
    `artillery@${ARTILLERY_VERSION}`,
  ];
  // Settings an outer `npm run` exports would point the nested npm at this project instead of dir.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config_local_prefix|package_|lifecycle_)/i.test(key)));
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd: dir, env: { ...env, ARTILLERY_DISABLE_TELEMETRY: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-2_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not run npm (${error.message})` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true });
      else {
        const why = signal === 'SIGKILL' ? `did not finish within ${INSTALL_TIMEOUT_MS / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
        const lastLines = output.trim().split('\n').slice(-4).join(' | ');
        resolve({ ok: false, reason: `npm install artillery@${ARTILLERY_VERSION} ${why}: ${lastLines}` });
      }
    });
  });
}

/** Finds the pinned Artillery in its folder, or installs it there when allowed. */
export async function ensureArtillery(options: { allowInstall: boolean; log: (line: string) => void }): Promise<ArtilleryInstall> {
  const dir = ARTILLERY_DIR;
  const shown = relative(REPO_ROOT, dir);
  if (installedVersion(dir) === ARTILLERY_VERSION && existsSync(binPath(dir))) {
    return { ok: true, binPath: binPath(dir), how: `found in ${shown}` };
  }
  if (!options.allowInstall) {
    return { ok: false, reason: `artillery@${ARTILLERY_VERSION} is not installed in ${shown} and this run may not install it (--no-artillery-install)` };
  }
  mkdirSync(dir, { recursive: true });
  // Its own package.json makes the folder a project root, so npm never reaches for the repository's.
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'edge-chaos-bench-artillery', private: true }, null, 2)}\n`);
  options.log(`installing artillery@${ARTILLERY_VERSION} into ${shown} (once; about a minute)...`);
  const startedMs = performance.now();
  const installed = await runNpmInstall(dir);
  if (!installed.ok) return { ok: false, reason: `${installed.reason}; is the npm registry reachable? (npm config get registry)` };
  if (!existsSync(binPath(dir))) return { ok: false, reason: `npm install finished but ${binPath(dir)} is missing` };
  return { ok: true, binPath: binPath(dir), how: `installed into ${shown} in ${Math.round((performance.now() - startedMs) / 1000)} s` };
}
