/**
 * Which Toxiproxy proxies a run creates and which one each agent dials, as a
 * pure function of the groups: startFaultProxy creates them from it, and
 * `--dry-run` computes the agents' URLs from it without any proxy existing.
 */

export const PROXY_PREFIX = 'edge-chaos-';
/** Connections one proxy carries at most: each is two sockets in its server. */
export const AGENTS_PER_PROXY = 4_000;
/**
 * First port of the proxies when pods dial them (kubernetes fleet runner):
 * the proxies listen on 0.0.0.0:20000, 20001, ... in layout order, so the
 * Toxiproxy's Service can name its ports before the run (docs/distributed.md).
 */
export const EXPOSED_PROXY_FIRST_PORT = 20_000;

export interface ProxySlot {
  group: string;
  name: string;
  /** Position over every group's proxies, in creation order: port = firstPort + seq when exposed. */
  seq: number;
}

/** Each group's proxies, in order; a group gets one per AGENTS_PER_PROXY agents, at least one. */
export function proxyLayout(groups: readonly { name: string; agents: number }[]): Map<string, ProxySlot[]> {
  const layout = new Map<string, ProxySlot[]>();
  let seq = 0;
  for (const group of groups) {
    const count = Math.max(1, Math.ceil(group.agents / AGENTS_PER_PROXY));
    layout.set(
      group.name,
      Array.from({ length: count }, (_, k) => ({ group: group.name, name: `${PROXY_PREFIX}${group.name}${count > 1 ? `-${k + 1}` : ''}`, seq: seq++ })),
    );
  }
  return layout;
}

/** Which of a group's `proxies` carries agent `indexInGroup` of `groupSize`: contiguous runs. */
export function proxyIndexFor(groupSize: number, proxies: number, indexInGroup: number): number {
  const per = Math.ceil(Math.max(1, groupSize) / proxies);
  return Math.min(proxies - 1, Math.floor(indexInGroup / per));
}
