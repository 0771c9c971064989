import { fileURLToPath } from 'node:url';

/** The repository root: children run from here so `--import tsx` and relative paths resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Node flags that let a child run the repository's TypeScript as-is. */
export const TSX_EXEC_ARGV = ['--import', 'tsx'] as const;
