import { spawn, type ChildProcess } from 'node:child_process';
import { HarnessError } from '../../errors.ts';
import { LogTail, type HubKind, type HubRuntime, type StopHow } from './types.ts';

export interface ProcessLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface ProcessHubSpec {
  kind: Extract<HubKind, 'child-process' | 'command'>;
  /** What the user should recognise in errors: the command line. */
  describe: string;
  launch(port: number): ProcessLaunch;
  /** How to tell the hub is up: a line on its output, or an HTTP answer on its port. */
  ready: { stdout: RegExp } | { http: true };
  startupTimeoutMs?: number;
  /** How long a graceful stop may take before SIGKILL, ms. Default 10_000. */
  stopTimeoutMs?: number;
}

/** Process groups we started and have not seen exit, killed if the harness exits first. */
const live = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  live.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const id of live) {
      try {
        process.kill(-id, 'SIGKILL');
      } catch {}
    }
  });
}

/**
 * A hub as its own process (group): the reference hub's main, or a user's
 * command. Redeploys signal the whole group, SIGTERM for graceful and
 * SIGKILL for a crash, then start the same command on the same port.
 */
export async function startProcessHub(spec: ProcessHubSpec, port: number): Promise<HubRuntime> {
  const logs = new LogTail();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (child) return;
    const { command, args, env } = spec.launch(port);
    const proc = spawn(command, args, {
      env: { ...process.env, ...env },
      // Own process group, so a shell wrapper and everything it starts go down together.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    if (proc.pid !== undefined) track(proc.pid);
    exited = new Promise((resolve) => proc.once('exit', () => {
      if (proc.pid !== undefined) live.delete(proc.pid);
      if (child === proc) child = undefined;
      resolve();
    }));
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => logs.push(chunk));
    await waitUntilReady(proc, spec, url, logs).catch(async (error: unknown) => {
      await stop('crash');
      throw error;
    });
  };

  const stop = async (how: StopHow = 'graceful'): Promise<void> => {
    const proc = child;
    if (!proc || proc.pid === undefined) return;
    signalGroup(proc.pid, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
    if (how === 'graceful') {
      const timer = setTimeout(() => signalGroup(proc.pid!, 'SIGKILL'), spec.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  };

  await start();
  const runtime: HubRuntime = {
    kind: spec.kind,
    url,
    port,
    restartable: true,
    get running() {
      return child !== undefined;
    },
    logs: () => logs.lines(),
    stop,
    start,
    sibling: async () => startProcessHub(spec, await freeTcpPort()),
    [Symbol.asyncDispose]: () => stop('graceful'),
  };
  return runtime;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function waitUntilReady(proc: ChildProcess, spec: ProcessHubSpec, url: string, logs: LogTail): Promise<void> {
  const timeoutMs = spec.startupTimeoutMs ?? 30_000;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(probeTimer);
      proc.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const fail = (why: string) =>
      finish(new HarnessError('EC_HUB_START', `the hub (${spec.describe}) ${why}; last output:\n${logs.lines().slice(-10).join('\n') || '(none)'}`, 'run the hub command by hand to see why, and check it listens on 127.0.0.1:$PORT'));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited before it was ready (${signal ?? `code ${code}`})`);
    proc.once('exit', onExit);
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    let probeTimer: NodeJS.Timeout | undefined;
    proc.stdout!.on('data', (chunk: string) => {
      for (const line of logs.push(chunk)) if ('stdout' in spec.ready && spec.ready.stdout.test(line)) finish();
    });
    if ('http' in spec.ready) {
      // A foreign hub prints nothing we can rely on; its port answering is the only signal.
      const probe = () => {
        fetch(url, { signal: AbortSignal.timeout(1_000) })
          .then((r) => r.body?.cancel())
          .then(() => finish(), () => {
            if (!done) probeTimer = setTimeout(probe, 100);
          });
      };
      probe();
    }
  });
}

/** A free port on 127.0.0.1, picked by the kernel. */
export async function freeTcpPort(): Promise<number> {
  const { freePort } = await import('../docker/free-port.ts');
  return freePort('127.0.0.1');
}
