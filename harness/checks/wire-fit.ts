import type { Checker } from './types.ts';

/** Upgrade answers that say the hub has no such route, or wants something the protocol did not send: our misreading of its wire. */
const MISFIT_STATUSES = new Set([400, 401, 403, 404, 405, 406, 410, 426]);

export interface WireFitEvidence {
  /** Frames or poll answers the protocol did not recognise, one per connection (or polling session) that saw any. */
  unrecognised: number;
  /** Agents that saw one. */
  agents: number;
  /** The first, as the agent reported it (the frame quoted, cut at 200 characters, and the rule that did not match). */
  first?: { agent: string; atMs: number; transport: string; why: string };
  /** Issuing calls the hub answered 2xx without a command id where the profile says. */
  unreadableIssues: number;
  firstUnreadableIssue?: string;
  /** When no agent ever connected and every upgrade was refused: the statuses and how often. */
  refusedUpgrades?: Record<string, number>;
  /** Sessions the hub refused inside the socket (a Socket.IO connect_error), when it refused every one. */
  refusedSessions?: number;
  /** One agent's upgrade URL, for the message. */
  upgradeUrl?: string;
}

/**
 * Whether the run's protocol fits the hub's wire: a profile that misreads
 * the hub cannot judge it, so this is validity (exit 2), never a hub failure.
 * Three signs: a frame (or poll answer) no rule recognised; an issuing call
 * answered 2xx without an id where the profile says; and a hub that refused
 * every upgrade of every agent with a status that means "no such route" or
 * "not what I expect" (404, 400, 401, ...) while no agent ever connected:
 * the agents dial a path or send headers the hub does not know.
 */
export const checkWireFit: Checker<Record<string, never>, WireFitEvidence> = (input) => {
  const title = 'The protocol fits the hub\'s wire';
  const protocol = JSON.stringify(input.protocol ?? 'v1');
  let unrecognised = 0;
  const agents = new Set<string>();
  let first: WireFitEvidence['first'];
  let unreadableIssues = 0;
  let firstUnreadableIssue: string | undefined;
  let opens = 0;
  let refusedSessions = 0;
  let firstRefusal: string | undefined;
  let failed = 0;
  const refused: Record<string, number> = {};
  let refusedCount = 0;
  for (const e of input.events) {
    if (e.type === 'wire.unrecognised') {
      unrecognised++;
      agents.add(e.agent);
      first ??= { agent: e.agent, atMs: Math.round(e.t), transport: e.transport, why: e.why };
    } else if (e.type === 'command.issue.failed' && e.unreadable) {
      unreadableIssues++;
      firstUnreadableIssue ??= e.error;
    } else if (e.type === 'ws.open') {
      opens++;
    } else if (e.type === 'ws.close' && e.refused) {
      refusedSessions++;
      firstRefusal ??= `${e.code} "${e.reason}"`;
    }
    else if (e.type === 'ws.failed') {
      failed++;
      if (e.status !== undefined && MISFIT_STATUSES.has(e.status)) {
        refused[`HTTP ${e.status}`] = (refused[`HTTP ${e.status}`] ?? 0) + 1;
        refusedCount++;
      }
    }
  }
  const refusedAll = opens === 0 && failed > 0 && refusedCount === failed;
  const evidence: WireFitEvidence = {
    unrecognised,
    agents: agents.size,
    ...(first ? { first } : {}),
    unreadableIssues,
    ...(firstUnreadableIssue ? { firstUnreadableIssue } : {}),
    ...(refusedAll ? { refusedUpgrades: refused } : {}),
    ...(input.upgradeUrl ? { upgradeUrl: input.upgradeUrl } : {}),
  };
  // The default wire met a hub on another: point at --protocol. A profile the user gave: point at the rule in it.
  const fix =
    (input.protocol ?? 'v1') === 'v1'
      ? `fix: describe the hub's wire in a protocol profile and pass it with --protocol ./my-hub.protocol.ts (docs/protocols.md)`
      : `fix: correct protocol ${protocol}'s profile where it says what the hub sends or expects (docs/protocols.md), or pass the --protocol this hub speaks`;
  if (refusedAll) {
    const statuses = Object.entries(refused).map(([status, n]) => `${status} x${n}`).join(', ');
    const unauthorized = Object.keys(refused).every((s) => s === 'HTTP 401' || s === 'HTTP 403');
    if (unauthorized) {
      return {
        title,
        status: 'failed',
        summary: `the hub refused every upgrade as unauthorized (${statuses}${input.upgradeUrl ? ` to ${input.upgradeUrl}` : ''}) and no agent ever connected: the credentials the agents send are not what it expects. fix: pass the token it expects (--token), or set the variables protocol ${protocol}'s headers read ({env.NAME})`,
        evidence,
      };
    }
    return {
      title,
      status: 'failed',
      summary: `the hub refused every upgrade (${statuses}${input.upgradeUrl ? ` to ${input.upgradeUrl}` : ''}) and no agent ever connected: it does not speak protocol ${protocol} there. ${fix}`,
      evidence,
    };
  }
  if (opens > 0 && refusedSessions >= opens) {
    return {
      title,
      status: 'failed',
      summary: `the hub refused every session the agents offered (${refusedSessions} of ${opens}, first ${firstRefusal}): the agents do not say what it expects (a namespace, an auth payload, a token). fix: set them in protocol ${protocol}'s profile, or pass the token it expects (--token)`,
      evidence: { ...evidence, refusedSessions },
    };
  }
  if (unrecognised > 0) {
    return { title, status: 'failed', summary: `protocol ${protocol} could not read what the hub sent (${unrecognised} time(s), ${agents.size} agent(s)); first, agent ${first!.agent} over ${first!.transport}: ${first!.why}. ${fix}`, evidence };
  }
  if (unreadableIssues > 0) {
    return { title, status: 'failed', summary: `${unreadableIssues} issuing call(s) were answered without a command id where protocol ${protocol} says: ${firstUnreadableIssue}. fix: point issue.id in the profile at the id in the hub's answer`, evidence };
  }
  return { title, status: 'passed', summary: `protocol ${protocol} read every frame and answer the hub sent`, evidence };
};

/** An upgrade URL fit to print: query values other than the agent's id hidden (a profile may put a secret there). */
export function shownUpgradeUrl(url: string, agentId: string): string {
  const parsed = new URL(url);
  const query = [...parsed.searchParams].map(([key, value]) => `${key}=${value === agentId ? value : '…'}`).join('&');
  return `${parsed.origin}${parsed.pathname}${query ? `?${query}` : ''}`;
}
