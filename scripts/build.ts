/**
 * `npm run build` (and `prepack`): compiles the shipped sources to dist/
 * (tsconfig.build.json), then makes dist/ run on its own under plain node:
 *
 * - copies the non-TypeScript files the code reads next to itself at run time;
 * - rewrites the `.ts` import paths tsc leaves in .d.ts files to `.js`, so a
 *   consumer's TypeScript resolves them without allowImportingTsExtensions;
 * - marks the bin executable;
 * - checks that every file the compiled code opens by `new URL('...', import.meta.url)`
 *   or starts as a child process (`nodeEntry('...')`) is in dist/, so a new
 *   asset that is not copied fails the build, not a user's run.
 *
 * Exits 0 when dist/ is complete, 2 with one line of cause and one of fix otherwise.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Files the compiled code reads beside itself; the build's last step proves nothing is missing. */
const ASSETS = ['harness/reporters/html/page.js', 'harness/reporters/html/page.css'];
const BIN = 'harness/cli/bin.js';

function fail(message: string, fix: string): never {
  process.stderr.write(`error: ${message}\nfix: ${fix}\n`);
  process.exit(2);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) fail(`tsc -p tsconfig.build.json exited ${compiled.status ?? compiled.signal}`, 'fix the type errors above (npm run typecheck shows them too)');

for (const asset of ASSETS) {
  mkdirSync(dirname(join(DIST, asset)), { recursive: true });
  copyFileSync(join(ROOT, asset), join(DIST, asset));
}

const files = filesUnder(DIST);
for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  // `from './x.ts'` and `import('./x.ts')`: relative paths only, never a package name.
  const rewritten = text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}
chmodSync(join(DIST, BIN), 0o755);
if (!readFileSync(join(DIST, BIN), 'utf8').startsWith('#!/usr/bin/env node\n')) fail(`dist/${BIN} lost its #!/usr/bin/env node line`, 'keep the shebang as the first line of harness/cli/bin.ts');

const missing: string[] = [];
for (const file of files.filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8');
  for (const [, path] of text.matchAll(/new URL\('([^']+)', import\.meta\.url\)/g)) {
    if (!path!.endsWith('/') && !existsSync(fileURLToPath(new URL(path!, `file://${file}`)))) missing.push(`${relative(ROOT, file)} reads ${path}`);
  }
  for (const [, path] of text.matchAll(/nodeEntry\('([^']+)', import\.meta\.url\)/g)) {
    const entry = path!.replace(/\.ts$/, '.js');
    if (!existsSync(fileURLToPath(new URL(entry, `file://${file}`)))) missing.push(`${relative(ROOT, file)} starts ${entry}`);
  }
  if (/from '\.{1,2}\/[^']+\.ts'/.test(text)) missing.push(`${relative(ROOT, file)} still imports a .ts path`);
}
// TypeScript itself accepts a .ts path in a .d.ts, so a consumer's tsc would not catch one: this does.
for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
  if (/(?:from|import)\s*\(?\s*'\.{1,2}\/[^']+\.ts'/.test(readFileSync(file, 'utf8'))) missing.push(`${relative(ROOT, file)} still imports a .ts path`);
}
if (missing.length > 0) fail(`dist/ is incomplete: ${missing.join('; ')}`, 'add the file to ASSETS in scripts/build.ts, or take it out of tsconfig.build.json\'s exclude');
process.stdout.write(`built dist/: ${files.length} files\n`);
