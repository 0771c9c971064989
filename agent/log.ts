import type { AgentEvent } from './events.ts';

/**
 * Log lines in the shape of the incident's client log, so an engineer can lay
 * a run's output beside a field log. Pure: derived from events after the fact.
 */
export function formatAgentLogLine(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'ws.open':
      return '[INFO] ✅ WebSocket connected\n[INFO] 🔌 WebSocket connected - real-time command delivery enabled';
    case 'poll.paused':
      return '[INFO] HTTP polling paused (using WebSocket)';
    case 'ws.close':
      return `[WARN] WebSocket closed: code=${event.code}, reason=${event.reason}`;
    case 'poll.started':
      return '[WARN] 🔌 WebSocket disconnected - falling back to HTTP polling';
    case 'reconnect.scheduled':
      return `[INFO] Scheduling WebSocket reconnect attempt #${event.attempt} in ${event.delayMs}ms`;
    case 'ws.failed':
      return `[WARN] WebSocket connect failed: ${event.error}`;
    case 'ws.dead':
      return `[WARN] WebSocket silent for ${event.silentMs}ms - treating it as dead`;
    case 'command':
      return `[INFO] Command ${event.name} (${event.id}) via ${event.transport}${event.repeat ? ' - repeat, acked again, not applied' : ''}`;
    case 'poll':
      return event.ok ? undefined : `[WARN] HTTP poll failed: ${event.error ?? `HTTP ${event.status}`}`;
    case 'ack.failed':
      return `[WARN] Ack of ${event.ids.length} command(s) failed: ${event.error}`;
    case 'wire.unrecognised':
      return `[WARN] Could not read the hub (${event.transport}): ${event.why}`;
    default:
      return undefined;
  }
}

export function formatLogTime(tMs: number): string {
  return `+${(tMs / 1000).toFixed(3)}s`;
}
