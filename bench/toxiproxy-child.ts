import { spawnTracked, waitForExit } from './children.ts';
import { REPO_ROOT, TSX_EXEC_ARGV } from './paths.ts';

const START_TIMEOUT_MS = 20_000;

export interface ToxiproxyChild {
  /** API base URL, http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<void>;
}

/** The embedded Toxiproxy as its own process (`npm run toxiproxy`), the way a standalone toxiproxy-server runs. */
export async function startToxiproxyChild(): Promise<ToxiproxyChild> {
  const child = spawnTracked(process.execPath, [...TSX_EXEC_ARGV, 'toxiproxy/main.ts', '--host', '127.0.0.1', '--port', '0'], {
    what: 'toxiproxy',
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`toxiproxy (toxiproxy/main.ts) ${why}; its output: ${output.trim().slice(-600) || '(none)'}`));
    };
    const timer = setTimeout(() => fail(`did not print its URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /toxiproxy listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before listening`));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child, 5_000);
    },
  };
}
