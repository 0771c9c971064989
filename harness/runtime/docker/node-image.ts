/**
 * Builds the hub image from this machine's own node runtime: no base image
 * and no registry (none can be reached), just the node binary, the shared
 * libraries ldd names, a few /etc files and the project under /app, imported
 * as one layer. Tagged by a content hash so an unchanged tree is never rebuilt.
 */
import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import { dirname, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { COMPILED } from '../../../common/layout.ts';
import './engine.ts';
import { docker, dockerOk } from './docker-cli.ts';
import { DockerError, DockerErrorCode } from './errors.ts';
import { inputsHash, listProjectFiles } from './image-inputs.ts';
import type { ProjectFile } from './image-inputs.ts';
import { withBuildLock } from './build-lock.ts';
import { tarStream } from './tar-writer.ts';
import type { TarEntry } from './tar-writer.ts';

/** Bump when the image layout below changes, so cached tags are rebuilt. */
const RECIPE_VERSION = 1;
export const DEFAULT_HUB_TAG = 'edge-chaos/hub:local';
/** The project's root, three levels above this file. */
const DEFAULT_PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where node sits in the image, whatever its path on the host. */
const IMAGE_NODE_PATH = '/usr/local/bin/node';
/** Non-root: the hub binds a high port and needs no privileges. */
const IMAGE_UID = 1000;
/** Hash-tagged images of one repository kept after a build, the new one included. */
const IMAGES_KEPT = 3;
/** Importing ~250 MB on a slow disk; generous, it only bounds a hung engine. */
const IMPORT_TIMEOUT_MS = 300_000;

export type BuildHubImageOptions = {
  /** Project whose sources and node_modules go to /app. Default: this checkout. */
  projectDir?: string;
  /** Moving tag also pointed at the result. Default 'edge-chaos/hub:local'; its repository names the hash tag. */
  tag?: string;
  /** Progress lines, for CLIs and slow CI logs. Default: silent. */
  log?: (line: string) => void;
};

/**
 * Returns the content-addressed tag (`<repo>:<hash12>`) of an image built
 * from the project; `built` is false when that tag already existed.
 */
export async function buildHubImage(opts: BuildHubImageOptions = {}): Promise<{ image: string; built: boolean }> {
  const log = opts.log ?? (() => {});
  if (opts.projectDir === undefined && COMPILED) {
    // Installed, this code sits in dist/ without the sources, tsx or a lockfile the image is built from.
    throw new DockerError(
      DockerErrorCode.imageInput,
      'the installed edge-chaos package cannot build the project image: it is built from a checkout of the edge-chaos repository',
      'in a checkout, run npm run hub:image (or docker build -t edge-chaos . where a registry is reachable) and pass that image: --image IMAGE for the containers fleet runner; or run the reference hub with --hub-runtime child-process',
    );
  }
  const projectDir = resolve(opts.projectDir ?? DEFAULT_PROJECT_DIR);
  const movingTag = normalizeTag(opts.tag ?? DEFAULT_HUB_TAG);
  const repository = movingTag.slice(0, movingTag.lastIndexOf(':'));

  const startedMs = Date.now();
  const runtime = await nodeRuntime();
  const { sources, nodeModules } = await listProjectFiles(projectDir);
  if (!sources.some((f) => f.rel === 'package.json')) {
    throw new DockerError(
      DockerErrorCode.imageInput,
      `${projectDir} has no package.json`,
      'pass projectDir pointing at the edge-chaos checkout',
    );
  }
  const hash = await inputsHash({ recipeVersion: RECIPE_VERSION, runtimeFingerprint: runtime.fingerprint, sources });
  const image = `${repository}:${hash.slice(0, 12)}`;

  return withBuildLock(image, IMPORT_TIMEOUT_MS, async () => {
    if ((await docker(['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 15_000 })).exitCode === 0) {
      await dockerOk(['tag', image, movingTag], { timeoutMs: 15_000 });
      log(`${image} is up to date (inputs unchanged)`);
      return { image, built: false };
    }
    await importImage({ image, hash, runtime, files: [...sources, ...nodeModules], log });
    await dockerOk(['tag', image, movingTag], { timeoutMs: 15_000 });
    log(`built ${image} (also ${movingTag}) in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    const pruned = await pruneOldImages(repository, image);
    if (pruned.length > 0) log(`removed older images ${pruned.join(', ')}`);
    return { image, built: true };
  });
}

/** One `docker import` of the whole root filesystem, streamed: no staging copy on disk. */
async function importImage(parts: {
  image: string;
  hash: string;
  runtime: NodeRuntime;
  files: ProjectFile[];
  log: (line: string) => void;
}): Promise<void> {
  const { image, hash, runtime, files, log } = parts;
  log(`building ${image} from ${files.length} project files and node ${process.version}`);
  const entries = [...baseEntries(), ...runtime.entries, ...projectEntries(files)];
  const changes = [
    'WORKDIR /app',
    `USER ${IMAGE_UID}:${IMAGE_UID}`,
    'ENV PATH=/usr/local/bin:/usr/bin:/bin',
    'ENV HOME=/tmp',
    // /app is not writable by the image's user: the hub's default command database
    // goes to /tmp (the harness mounts a host folder at /data and passes --db for durability).
    'ENV EDGE_HUB_DB=/tmp/edge-hub.sqlite',
    // The image has no ld.so.cache; tell the loader where ldd found the libraries.
    `ENV LD_LIBRARY_PATH=${runtime.libraryDirs.join(':')}`,
    `LABEL edge-chaos.inputs-hash=${hash}`,
    'CMD ["node", "--import", "tsx", "server/main.ts"]',
  ];
  await dockerOk(['import', ...changes.flatMap((c) => ['--change', c]), '-', image], {
    stdin: Readable.from(tarStream(withParents(entries))),
    timeoutMs: IMPORT_TIMEOUT_MS,
  });
}

/**
 * Every source edit makes a new ~240 MB image; keep the newest few and drop
 * the rest so a day of edit-test cycles does not fill the disk. Only hash
 * tags of this repository; `docker rmi` without force refuses images a
 * container still uses. Returns what it removed; never throws.
 */
async function pruneOldImages(repository: string, justBuilt: string): Promise<string[]> {
  const listing = await docker(['images', '--format', '{{.Tag}}', repository], { timeoutMs: 15_000 }).catch(() => undefined);
  if (listing === undefined || listing.exitCode !== 0) return [];
  // docker lists newest first.
  const old = listing.stdout
    .split('\n')
    .filter((tag) => /^[0-9a-f]{12}$/.test(tag))
    .map((tag) => `${repository}:${tag}`)
    .filter((image) => image !== justBuilt)
    .slice(IMAGES_KEPT - 1);
  const removed: string[] = [];
  for (const image of old) {
    const result = await docker(['rmi', image], { timeoutMs: 30_000 }).catch(() => undefined);
    if (result?.exitCode === 0) removed.push(image);
  }
  return removed;
}

type NodeRuntime = { entries: TarEntry[]; libraryDirs: string[]; fingerprint: string };

/** The node binary plus what `ldd` says it loads, each at the path ldd printed. */
async function nodeRuntime(): Promise<NodeRuntime> {
  const nodePath = await realpath(process.execPath);
  let lddOutput: string;
  try {
    lddOutput = (await promisify(execFile)('ldd', [nodePath], { timeout: 15_000 })).stdout;
  } catch (err) {
    throw new DockerError(
      DockerErrorCode.imageInput,
      `cannot list the shared libraries of ${nodePath}: ${(err as Error).message}`,
      'this builder needs a glibc node and ldd (Debian package libc-bin)',
      { cause: err },
    );
  }
  const libraries = parseLdd(lddOutput);
  const entries: TarEntry[] = [{ type: 'file', path: IMAGE_NODE_PATH, mode: 0o755, size: (await stat(nodePath)).size, source: nodePath }];
  const fingerprint = [`node ${process.version} ${process.arch}`];
  for (const library of libraries) {
    const source = await realpath(library);
    const { size } = await stat(source);
    entries.push({ type: 'file', path: library, mode: 0o755, size, source });
    fingerprint.push(`${library} ${size}`);
  }
  const libraryDirs = [...new Set(libraries.map((l) => posix.dirname(l)))];
  return { entries, libraryDirs, fingerprint: fingerprint.join(';') };
}

/** Absolute paths from ldd output; the vDSO is the kernel's and has no file. */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('linux-vdso') || trimmed.startsWith('linux-gate')) continue;
    if (trimmed.includes('not found')) {
      throw new DockerError(
        DockerErrorCode.imageInput,
        `node needs a library this machine lacks: ${trimmed}`,
        'install the missing library, or use the node the project was set up with',
      );
    }
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(trimmed);
    if (match?.[1] !== undefined) paths.push(match[1]);
  }
  return paths;
}

/** The few files a process expects: users for getpwuid, name lookup order, /tmp. */
function baseEntries(): TarEntry[] {
  const text = (content: string) => Buffer.from(content, 'utf8');
  return [
    { type: 'dir', path: '/tmp', mode: 0o1777 },
    { type: 'dir', path: '/etc', mode: 0o755 },
    {
      type: 'file',
      path: '/etc/passwd',
      mode: 0o644,
      content: text(`root:x:0:0:root:/root:/sbin/nologin\nnode:x:${IMAGE_UID}:${IMAGE_UID}:node:/tmp:/sbin/nologin\n`),
    },
    { type: 'file', path: '/etc/group', mode: 0o644, content: text(`root:x:0:\nnode:x:${IMAGE_UID}:\n`) },
    { type: 'file', path: '/etc/nsswitch.conf', mode: 0o644, content: text('passwd: files\ngroup: files\nhosts: files dns\n') },
  ];
}

/** Project files under /app, readable by the image's non-root user. */
function projectEntries(files: readonly ProjectFile[]): TarEntry[] {
  return files.map((file): TarEntry => {
    const path = `/app/${file.rel}`;
    if (file.kind === 'dir') return { type: 'dir', path, mode: 0o755 };
    if (file.kind === 'symlink') return { type: 'symlink', path, target: file.target };
    const mode = file.mode & 0o111 ? 0o755 : 0o644;
    if (file.content !== undefined) return { type: 'file', path, mode, content: file.content };
    return { type: 'file', path, mode, size: file.size, source: file.abs };
  });
}

/** Adds each missing parent directory once, before its first child. */
function* withParents(entries: readonly TarEntry[]): Generator<TarEntry> {
  const seen = new Set<string>(['/']);
  for (const entry of entries) {
    const parents: string[] = [];
    for (let dir = posix.dirname(entry.path); !seen.has(dir); dir = posix.dirname(dir)) parents.unshift(dir);
    for (const dir of parents) {
      seen.add(dir);
      yield { type: 'dir', path: dir, mode: 0o755 };
    }
    if (entry.type === 'dir') {
      if (seen.has(entry.path)) continue;
      seen.add(entry.path);
    }
    yield entry;
  }
}

function normalizeTag(tag: string): string {
  const lastSlash = tag.lastIndexOf('/');
  const hasTagPart = tag.lastIndexOf(':') > lastSlash;
  const full = hasTagPart ? tag : `${tag}:local`;
  if (!/^[a-z0-9][a-z0-9._/:-]*$/.test(full)) {
    throw new DockerError(DockerErrorCode.option, `invalid image tag ${JSON.stringify(tag)}`, 'use lowercase repo[:name], e.g. edge-chaos/hub:local');
  }
  return full;
}
