import { formatAgentLogLine, formatLogTime } from '../../agent/log.ts';
import type { RunResult } from '../runner/result.ts';

/**
 * Per-agent logs in the incident's format, for the agents worth reading: the
 * ones a failed check names first, then the first few of the fleet.
 */
export function renderAgentLogs(result: RunResult, limit = 5): Map<string, string> {
  const named = new Set<string>();
  for (const check of result.checks) {
    if (check.status !== 'failed') continue;
    const text = JSON.stringify(check.evidence ?? {});
    for (const match of text.matchAll(/"agent":"([^"]+)"/g)) if (named.size < limit) named.add(match[1]!);
  }
  for (const id of result.agentIds) if (named.size < limit) named.add(id);
  const lines = new Map<string, string[]>([...named].map((id) => [id, []]));
  for (const event of result.events) {
    if (!('agent' in event) || !lines.has(event.agent) || event.type === 'command.issued' || event.type === 'command.issue.failed') continue;
    const line = formatAgentLogLine(event);
    if (line) for (const part of line.split('\n')) lines.get(event.agent)!.push(`${formatLogTime(event.t)} ${part}`);
  }
  return new Map([...lines].map(([id, l]) => [id, `${l.join('\n')}\n`]));
}
