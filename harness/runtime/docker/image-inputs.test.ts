import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { listProjectFiles } from './image-inputs.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

// A git worktree shares the main checkout's install through a node_modules symlink; taken as a
// link, the image had no node_modules at all (its hub failed: Cannot find package 'tsx').
test('a node_modules symlink is followed: the image gets the install it points to, under node_modules', async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-inputs-'));
  const install = join(dir, 'main', 'node_modules');
  await mkdir(join(install, 'tsx'), { recursive: true });
  await writeFile(join(install, 'tsx', 'index.js'), 'export {};\n');
  const project = join(dir, 'worktree');
  await mkdir(join(project, 'server'), { recursive: true });
  await writeFile(join(project, 'server', 'main.ts'), 'export {};\n');
  await symlink(install, join(project, 'node_modules'));

  const { sources, nodeModules } = await listProjectFiles(project);
  expect(sources.map((f) => [f.kind, f.rel])).toEqual([['dir', 'server'], ['file', 'server/main.ts']]);
  expect(nodeModules.map((f) => [f.kind, f.rel])).toEqual([['dir', 'node_modules'], ['dir', 'node_modules/tsx'], ['file', 'node_modules/tsx/index.js']]);
  expect(nodeModules.find((f) => f.kind === 'file')).toMatchObject({ abs: join(install, 'tsx', 'index.js') });
});
