/**
 * What goes into the hub image from the project, and the content hash that
 * names it. The image holds exactly the files hashed here plus node_modules
 * (pinned by package-lock.json, which is hashed), so an image tag can be
 * trusted to match the sources it was built from.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/** Folders the hub, its tests and tsx may load code from (tsconfig's include). */
export const SOURCE_DIRS = ['agent', 'common', 'examples', 'harness', 'protocol', 'scenarios', 'server', 'toxiproxy'] as const;
/** Never copied, at any depth of the source folders: VCS data, outputs, caches. */
const EXCLUDED_NAMES = new Set(['.git', 'reports', 'dist', 'coverage', '.vitest-cache', 'node_modules']);
/** Top-level files worth copying: package manifests and configs tsx reads. */
const ROOT_FILE = /^[^.].*\.(json|ts|mts|js|mjs|cjs)$/;

export type ProjectFile =
  | { kind: 'dir'; rel: string; mode: number }
  /** content: the bytes hashed, for sources; node_modules files are streamed from abs. */
  | { kind: 'file'; rel: string; abs: string; mode: number; size: number; content?: Buffer }
  | { kind: 'symlink'; rel: string; target: string };

/**
 * Lists the project's files that go into /app, parents before children,
 * sorted. Source files are read into memory here, so the bytes hashed are the
 * bytes archived even while someone edits the tree.
 */
export async function listProjectFiles(projectDir: string): Promise<{ sources: ProjectFile[]; nodeModules: ProjectFile[] }> {
  const sources: ProjectFile[] = [];
  for (const entry of await sortedEntries(projectDir)) {
    if (entry.isFile() && ROOT_FILE.test(entry.name)) {
      sources.push(await describe(join(projectDir, entry.name), entry.name));
    }
  }
  for (const dir of SOURCE_DIRS) {
    if (await isDir(join(projectDir, dir))) {
      await walk(join(projectDir, dir), dir, sources, (name) => !EXCLUDED_NAMES.has(name) && !name.endsWith('.log'));
    }
  }
  for (const file of sources) {
    if (file.kind === 'file') {
      file.content = await readFile(file.abs);
      file.size = file.content.length;
    }
  }
  const nodeModules: ProjectFile[] = [];
  // Followed when it is a symlink (a git worktree sharing the main checkout's install): taken
  // as a link, the image got no node_modules, and under the same tag as a good one, since the
  // tag hashes the sources and package-lock.json only.
  const modulesDir = await realpath(join(projectDir, 'node_modules')).catch(() => undefined);
  if (modulesDir !== undefined && (await isDir(modulesDir))) {
    // Build caches of vite/vitest live here and change on every run.
    await walk(modulesDir, 'node_modules', nodeModules, (name, rel) => !(rel === 'node_modules' && name.startsWith('.') && name !== '.bin'));
  }
  return { sources, nodeModules };
}

/**
 * Hash of everything that decides the image's content: the recipe version,
 * the node runtime, and every source file's path, mode and content. Contents,
 * not mtimes: a fresh clone has new mtimes but must hit the same cache.
 */
export async function inputsHash(parts: {
  recipeVersion: number;
  runtimeFingerprint: string;
  sources: readonly ProjectFile[];
}): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`recipe ${parts.recipeVersion}\nruntime ${parts.runtimeFingerprint}\n`);
  for (const file of parts.sources) {
    if (file.kind === 'file') {
      const contentHash = createHash('sha256').update(file.content ?? (await readFile(file.abs))).digest('hex');
      hash.update(`file ${file.rel} ${file.mode.toString(8)} ${contentHash}\n`);
    } else if (file.kind === 'symlink') {
      hash.update(`symlink ${file.rel} ${file.target}\n`);
    } else {
      hash.update(`dir ${file.rel}\n`);
    }
  }
  return hash.digest('hex');
}

/** Lists the folder at `abs` as `rel` in the image, and everything below it. */
async function walk(
  abs: string,
  rel: string,
  out: ProjectFile[],
  keep: (name: string, parentRel: string) => boolean,
): Promise<void> {
  const self = await describe(abs, rel);
  out.push(self);
  if (self.kind !== 'dir') return;
  for (const entry of await sortedEntries(abs)) {
    if (!keep(entry.name, rel)) continue;
    const childRel = `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      await walk(join(abs, entry.name), childRel, out, keep);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(await describe(join(abs, entry.name), childRel));
    }
    // Sockets, fifos and devices have no place in an image.
  }
}

async function describe(abs: string, rel: string): Promise<ProjectFile> {
  const stat = await lstat(abs);
  if (stat.isSymbolicLink()) return { kind: 'symlink', rel, target: await readlink(abs) };
  if (stat.isDirectory()) return { kind: 'dir', rel, mode: stat.mode & 0o7777 };
  return { kind: 'file', rel, abs, mode: stat.mode & 0o7777, size: stat.size };
}

async function sortedEntries(dir: string) {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}
