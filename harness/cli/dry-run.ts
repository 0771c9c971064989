/**
 * `--fleet-runner kubernetes --dry-run`: the Secret, ConfigMap and Indexed
 * Job a run would apply, as YAML `kubectl apply -f -` reads, written through
 * the Kubernetes client's own serializer (so a field it does not know cannot
 * slip through). Nothing starts: no hub, no proxy, no report folder.
 */
import { randomBytes } from 'node:crypto';
import { kubernetesPlan } from '../runtime/fleet/launchers/kubernetes-plan.ts';
import { assignGroups } from '../runner/groups.ts';
import type { RunOptions } from '../runner/options.ts';
import { resolveParams } from '../runner/params.ts';
import { newRunId } from '../runtime/fleet/runner-settings.ts';
import { loadKubernetesClient } from '../runtime/fleet/launchers/kubernetes-client.ts';
import type { ScenarioDefinition } from '../scenario/define.ts';

/** Stands for the agents' --token in printed manifests: output meant for review or a repository must not carry it. */
export const REDACTED_TOKEN = '<redacted: the --token value>';

export async function renderDryRun(scenario: ScenarioDefinition, options: RunOptions): Promise<string> {
  const params = resolveParams(scenario, options);
  const { dumpYaml } = await loadKubernetesClient();
  const groups = assignGroups(scenario.groups ?? [], params.agents);
  const plan = kubernetesPlan(scenario, params, groups, { token: options.token === undefined ? undefined : REDACTED_TOKEN }, {
    runId: newRunId(),
    runToken: randomBytes(24).toString('base64url'),
    runStartEpochMs: Date.now(),
  });
  const { configMap, secret, job } = plan.manifests;
  const header = [
    `# edge-chaos --dry-run: scenario ${scenario.name}, ${params.agents} agents in ${plan.shards} shard pods, seed ${params.seed}`,
    `# run id ${plan.runId}; namespace ${plan.namespace}. A run applies these objects, watches the pods and deletes them when it ends.`,
    '# The run token in the Secret and the plan\'s runStartEpochMs were made up for this output: a run makes its own.',
    ...(options.token === undefined ? [] : [`# The agents' --token is replaced by "${REDACTED_TOKEN}" in the Secret's shard plan.`]),
    `# The shard plan every pod reads (JSON, one for all: pod i takes its slice by JOB_COMPLETION_INDEX) is the ${configMap ? 'ConfigMap' : 'Secret'}'s shard-config.json.`,
  ];
  const docs = [secret, ...(configMap ? [configMap] : []), job].map((object) => dumpYaml(object, { lineWidth: -1, noRefs: true }));
  return `${header.join('\n')}\n---\n${docs.join('---\n')}`;
}
