import { HarnessError } from '../../errors.ts';
import { freePort } from '../free-port.ts';
import { spawnManaged, waitForLine, type ManagedProcess } from '../managed-process.ts';
import type { HubExit, HubKind, HubRuntime, StopHow } from './types.ts';

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

/**
 * A hub as its own process (group): the reference hub's main, or a user's
 * command. Redeploys signal the whole group, SIGTERM for graceful and
 * SIGKILL for a crash, then start the same command on the same port.
 */
export async function startProcessHub(spec: ProcessHubSpec, port: number): Promise<HubRuntime> {
  const url = `http://127.0.0.1:${port}`;
  let current: ManagedProcess | undefined;
  const history: string[] = [];
  // Processes this runtime itself stopped: their exits are planned (a redeploy, the run's end), any other is the hub dying.
  const stopping = new WeakSet<ManagedProcess>();
  const exitListeners = new Set<(exit: HubExit) => void>();

  const start = async (): Promise<void> => {
    if (current) return;
    const { command, args, env } = spec.launch(port);
    const managed = spawnManaged(command, args, env);
    current = managed;
    managed.proc.once('exit', (code, signal) => {
      const exit: HubExit = { pid: managed.pid, code, signal, planned: stopping.has(managed) };
      for (const listener of exitListeners) listener(exit);
    });
    void managed.exited.then(() => {
      history.push(...managed.logs.lines());
      if (current === managed) current = undefined;
    });
    try {
      await waitUntilReady(managed, spec, url);
    } catch (error) {
      stopping.add(managed);
      await managed.stop('crash');
      const output = managed.logs.lines().slice(-10).join('\n') || '(none)';
      throw new HarnessError('EC_HUB_START', `the hub (${spec.describe}) ${(error as Error).message}; last output:\n${output}`, 'run the hub command by hand to see why, and check it listens on 127.0.0.1:$PORT');
    }
  };

  const stop = async (how: StopHow = 'graceful'): Promise<void> => {
    if (!current) return;
    stopping.add(current);
    await current.stop(how, spec.stopTimeoutMs ?? 10_000);
  };

  await start();
  const runtime: HubRuntime = {
    kind: spec.kind,
    url,
    port,
    restartable: true,
    get running() {
      return current !== undefined;
    },
    // Undefined from the moment a stop begins: a draining or half-exited hub (the shell left,
    // the hub below it gone) is not what its resource figures should be judged on.
    get pid() {
      return current && !stopping.has(current) ? current.pid : undefined;
    },
    logs: () => [...history, ...(current?.logs.lines() ?? [])],
    stop,
    start,
    sibling: async () => startProcessHub(spec, await freePort()),
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    [Symbol.asyncDispose]: () => stop('graceful'),
  };
  return runtime;
}

async function waitUntilReady(managed: ManagedProcess, spec: ProcessHubSpec, url: string): Promise<void> {
  const timeoutMs = spec.startupTimeoutMs ?? 30_000;
  if ('stdout' in spec.ready) {
    await waitForLine(managed, spec.ready.stdout, timeoutMs);
    return;
  }
  // A foreign hub prints nothing we can rely on; its port answering is the only signal.
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void managed.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`exited before it was ready (code ${managed.proc.exitCode ?? managed.proc.signalCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error(`did not answer HTTP on ${url} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
