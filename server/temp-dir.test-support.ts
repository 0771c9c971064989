import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir extends Disposable {
  readonly path: string;
  /** A path inside the folder. */
  file(name: string): string;
}

/** A fresh folder under the OS temp dir, removed with everything in it on dispose: `using dir = tempDir()`. */
export function tempDir(prefix = 'edge-chaos-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}
