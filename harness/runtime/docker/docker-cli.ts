/**
 * Runs the docker CLI. Image import and the synchronous exit cleanup need the
 * CLI (testcontainers has no import, and an 'exit' handler cannot await the
 * API); everything else goes through testcontainers' client.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DockerError, DockerErrorCode } from './errors.ts';

export type DockerResult = { exitCode: number; stdout: string; stderr: string };

export async function docker(
  args: readonly string[],
  opts: {
    /** Fed to the command's stdin (e.g. a tar stream for `docker import -`). */
    stdin?: Readable;
    /** Kill the command after this many ms. Default 60_000. */
    timeoutMs?: number;
  } = {},
): Promise<DockerResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(killed after ${timeoutMs} ms)`;
    }, timeoutMs);
    if (opts.stdin && child.stdin) {
      const stdin = child.stdin;
      // A failing producer must fail the command rather than leave docker
      // waiting for more input.
      opts.stdin.on('error', (err) => {
        stderr += `\n(input failed: ${err.message})`;
        child.kill('SIGKILL');
      });
      // docker closing stdin early (it failed) is reported through its exit code.
      stdin.on('error', () => {});
      opts.stdin.pipe(stdin);
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new DockerError(
          DockerErrorCode.command,
          `cannot run docker ${args[0] ?? ''}: ${err.code === 'ENOENT' ? 'the docker CLI is not on PATH' : err.message}`,
          'install the docker client (apt-get install docker.io) or run .ci/docker-up',
          { cause: err },
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}

/** Like docker(), but a non-zero exit is a coded error carrying stderr. */
export async function dockerOk(args: readonly string[], opts?: Parameters<typeof docker>[1]): Promise<string> {
  const result = await docker(args, opts);
  if (result.exitCode !== 0) {
    throw new DockerError(
      DockerErrorCode.command,
      `docker ${args[0] ?? ''} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
      'check that the engine is running (docker info) and see its log (/tmp/edge-chaos-docker/dockerd.log under .ci/docker-up)',
    );
  }
  return result.stdout;
}
