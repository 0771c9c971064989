import { readdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { describe, expect, test } from 'vitest';

/**
 * Committed docs name paths a reader can use: relative to the repo root. A
 * replay line that names the folder the matrix ran in, or a temporary folder
 * of that machine, runs nowhere else (the matrix doc once named
 * /work/sweep/... and /tmp/edge-chaos-matrix-.../queue-1.json in every zoo
 * replay). URL paths (/metrics, /edge/commands) and /proc, /sys are not
 * machine paths and are allowed.
 */
const REPO = join(import.meta.dirname, '..', '..');
const DOCS = join(REPO, 'docs');

/** Roots under which a path belongs to one machine: this checkout, its temp and home folders, and the usual homes of both. */
const MACHINE_ROOTS = [...new Set([REPO, tmpdir(), homedir(), `${sep}${REPO.split(sep)[1]}`, '/tmp', '/var/tmp', '/var/folders', '/home', '/Users', '/root', '/work', '/mnt', '/srv'])].filter((r) => r.length > 1);

/** Absolute machine paths in a text: each root followed by a path separator or the end of the word. */
function machinePaths(text: string): string[] {
  const found: string[] = [];
  for (const root of MACHINE_ROOTS) {
    const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Preceded by what starts a word in markdown or a shell line, so a URL path like http://host/work/x is left alone.
    for (const m of text.matchAll(new RegExp(`(?:^|[\\s'"\`(=])(${escaped}(?:/[^\\s'"\`)|]*)?)(?=$|[\\s'"\`)|])`, 'gm'))) found.push(m[1]!);
  }
  return [...new Set(found)];
}

function docFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docFiles(join(dir, e.name)) : /\.(md|json|svg|txt)$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('committed docs', () => {
  test('name no absolute path of the machine that wrote them', () => {
    const offenders = docFiles(DOCS).flatMap((file) => machinePaths(readFileSync(file, 'utf8')).map((p) => `${file.slice(REPO.length + 1)}: ${p}`));
    expect(offenders).toEqual([]);
  });

  test('the check finds the paths a matrix doc used to carry, and leaves URL paths and relative ones alone', () => {
    const line = `replay: \`npm run scenario loop -- --hub-cmd 'node '\\''/work/sweep/harness/runtime/hubs/fixtures/foreign-hub.mjs'\\'' --state '\\''/tmp/edge-chaos-matrix-TvuoY1/queue-1.json'\\'''\``;
    expect(machinePaths(line)).toEqual(expect.arrayContaining(['/work/sweep/harness/runtime/hubs/fixtures/foreign-hub.mjs', '/tmp/edge-chaos-matrix-TvuoY1/queue-1.json']));
    expect(machinePaths(`--out ${join(REPO, 'docs', 'x.md')}`)).toEqual([join(REPO, 'docs', 'x.md')]);
    expect(machinePaths("GET /edge/commands, /metrics, /proc/stat, http://127.0.0.1:8080/work/x, --hub-cmd 'node harness/runtime/hubs/fixtures/foreign-hub.mjs --state reports/matrix-x/queue-1.json'")).toEqual([]);
  });
});
