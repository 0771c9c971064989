import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { shardPod } from './kubernetes-pods.ts';

/**
 * Hand-written pods, shaped as the Kubernetes API documents pod status. No
 * cluster produced these: they pin how the launcher reads each case.
 */
function pod(status: V1PodStatus, index: string | null = '2'): V1Pod {
  return {
    metadata: { name: 'edge-chaos-shards-abc-2-x7k2p', annotations: index === null ? {} : { 'batch.kubernetes.io/job-completion-index': index } },
    status,
  };
}

describe('reading a shard pod', () => {
  test('the index comes from the completion-index annotation; a pod without one has none', () => {
    expect(shardPod(pod({ phase: 'Running' }))).toEqual({ index: 2, name: 'edge-chaos-shards-abc-2-x7k2p', state: { kind: 'running' } });
    expect(shardPod(pod({ phase: 'Running' }, null)).index).toBeUndefined();
    expect(shardPod(pod({ phase: 'Running' }, 'two')).index).toBeUndefined();
  });

  test('ended: exit code and reason of the container, or the pod\'s own reason (evicted, deadline)', () => {
    expect(shardPod(pod({ phase: 'Succeeded' })).state).toEqual({ kind: 'ended', how: 'exited with code 0' });
    const oom = pod({ phase: 'Failed', containerStatuses: [{ name: 'shard', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] });
    expect(shardPod(oom).state).toEqual({ kind: 'ended', how: 'OOMKilled with code 137' });
    const crashed = pod({ phase: 'Failed', containerStatuses: [{ name: 'shard', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error', message: 'error: bad config\nfix: ...' } } }] });
    expect(shardPod(crashed).state).toEqual({ kind: 'ended', how: 'Error with code 2: error: bad config fix: ...' });
    expect(shardPod(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' })).state).toEqual({ kind: 'ended', how: 'Evicted: The node was low on resource: memory.' });
  });

  test('stuck: an image that cannot be pulled, a config that cannot be mounted', () => {
    const backoff = pod({ phase: 'Pending', containerStatuses: [{ name: 'shard', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "reg/x:1"' } } }] });
    expect(shardPod(backoff).state).toEqual({ kind: 'stuck', why: 'ImagePullBackOff: Back-off pulling image "reg/x:1"' });
  });

  test('pending: unschedulable says why; creating a container is plain pending', () => {
    const unschedulable = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] });
    expect(shardPod(unschedulable).state).toEqual({ kind: 'pending', why: 'Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.' });
    const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'shard', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(shardPod(creating).state).toEqual({ kind: 'pending', why: 'ContainerCreating' });
    expect(shardPod(pod({ phase: 'Pending' })).state).toEqual({ kind: 'pending' });
  });
});
