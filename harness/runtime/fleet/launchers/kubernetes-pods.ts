/**
 * What a shard pod's status says, as a pure function of the V1Pod the API
 * returns: the kubernetes launcher polls the run's pods and acts on this.
 * Tested on hand-written pods shaped as the API documents them
 * (kubernetes-pods.test.ts); no cluster was used.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { COMPLETION_INDEX_ANNOTATION } from './kubernetes-manifests.ts';

export type PodState =
  /** Not running yet; `why` says what it waits for when that is worth telling (unschedulable, pulling). */
  | { kind: 'pending'; why?: string }
  /** Cannot start without a change by the user (the image cannot be pulled, the config is missing). */
  | { kind: 'stuck'; why: string }
  | { kind: 'running' }
  /** Its process ended (Succeeded or Failed). */
  | { kind: 'ended'; how: string };

export interface ShardPod {
  /** JOB_COMPLETION_INDEX, or undefined for a pod that is not one of an Indexed Job's. */
  index: number | undefined;
  name: string;
  state: PodState;
}

/** Container waiting reasons that do not go away by waiting. */
const STUCK_REASONS = new Set(['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export function shardPod(pod: V1Pod): ShardPod {
  const meta = pod.metadata ?? {};
  const indexText = meta.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? meta.labels?.[COMPLETION_INDEX_ANNOTATION];
  const index = indexText !== undefined && /^\d+$/.test(indexText) ? Number(indexText) : undefined;
  return { index, name: meta.name ?? '(unnamed pod)', state: podState(pod) };
}

function podState(pod: V1Pod): PodState {
  const status = pod.status ?? {};
  const container = status.containerStatuses?.[0];
  switch (status.phase) {
    case 'Succeeded':
      return { kind: 'ended', how: 'exited with code 0' };
    case 'Failed': {
      const terminated = container?.state?.terminated;
      if (terminated) return { kind: 'ended', how: oneLine(`${terminated.reason ?? 'exited'} with code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`) };
      // Evicted, DeadlineExceeded (activeDeadlineSeconds), a node lost: the pod's own reason.
      return { kind: 'ended', how: oneLine(`${status.reason ?? 'failed'}${status.message ? `: ${status.message}` : ''}`) };
    }
    case 'Running':
      return { kind: 'running' };
    default: {
      const waiting = container?.state?.waiting;
      if (waiting?.reason !== undefined && STUCK_REASONS.has(waiting.reason)) return { kind: 'stuck', why: oneLine(`${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`) };
      const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      if (unscheduled) return { kind: 'pending', why: oneLine(`${unscheduled.reason ?? 'not scheduled'}${unscheduled.message ? `: ${unscheduled.message}` : ''}`) };
      if (waiting?.reason !== undefined) return { kind: 'pending', why: oneLine(`${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`) };
      return { kind: 'pending' };
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
