import { HarnessError, causeText } from '../../errors.ts';
import type { HubRuntime } from './types.ts';

/** A hub someone else runs (--hub-url): checked for an HTTP answer, never stopped or restarted by us. */
export async function connectExternalHub(url: string): Promise<HubRuntime> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
  } catch (error) {
    const cause = causeText(error);
    throw new HarnessError('EC_HUB_UNREACHABLE', `no HTTP answer from the hub at --hub-url ${url} (${cause})`, 'start the hub, or fix --hub-url (scheme, host and port, e.g. http://127.0.0.1:8080)');
  }
  const refuse = async (): Promise<never> => {
    throw new HarnessError('EC_BAD_OPTION', `the hub at --hub-url ${url} is not the harness's to restart`, 'give the harness a hub it can restart: --hub-runtime child-process, --hub-cmd "CMD" or --hub-image IMAGE');
  };
  return {
    kind: 'external',
    url,
    port: Number(new URL(url).port) || 80,
    restartable: false,
    running: true,
    logs: () => [],
    stop: async () => {},
    start: refuse,
    sibling: refuse,
    [Symbol.asyncDispose]: async () => {},
  };
}
