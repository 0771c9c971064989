/**
 * A Toxiproxy server in a container, for runs that want the fault proxy out
 * of the harness process (harness/runtime/proxy.ts, choice 'container').
 *
 * No registry is reachable, so by default this runs the project's own
 * Toxiproxy-compatible server (toxiproxy/main.ts) from the hub image, which
 * already holds toxiproxy/. An image with the real Toxiproxy, loaded into the
 * engine by hand, works too: its entrypoint takes -host and -port.
 */
import { HostContainer } from './container.ts';
import { freePort } from '../free-port.ts';
import { buildHubImage } from './node-image.ts';
import { loadTestcontainers } from './testcontainers.ts';

export type StartToxiproxyContainerOptions = {
  /** An image whose entrypoint is toxiproxy-server. Default: the hub image running toxiproxy/main.ts. */
  image?: string;
  /** How long to wait for the API to answer, in ms. Default 30_000. */
  startupTimeoutMs?: number;
};

export interface StartedToxiproxyContainer extends AsyncDisposable {
  readonly id: string;
  /** The Toxiproxy API URL, http://127.0.0.1:PORT. */
  readonly url: string;
  logs(): string[];
  /** Stops and removes the container; idempotent. */
  stop(): Promise<void>;
}

/** Starts it on a free 127.0.0.1 port. */
export async function startToxiproxyContainer(opts: StartToxiproxyContainerOptions = {}): Promise<StartedToxiproxyContainer> {
  // Before the image build: without the package nothing here can run.
  await loadTestcontainers();
  const port = await freePort();
  const image = opts.image ?? (await buildHubImage()).image;
  const command =
    opts.image === undefined
      ? ['node', '--import', 'tsx', 'toxiproxy/main.ts', '--host', '127.0.0.1', '--port', String(port)]
      : ['-host=127.0.0.1', `-port=${port}`];
  const container = await new HostContainer(image)
    .withPort(port)
    .withCommand(command)
    .withHttpWait('/version')
    .withStartupTimeoutMs(opts.startupTimeoutMs ?? 30_000)
    .start();
  const stop = async (): Promise<void> => {
    await container.stop();
  };
  return { id: container.id, url: container.url, logs: () => container.logs(), stop, [Symbol.asyncDispose]: stop };
}
