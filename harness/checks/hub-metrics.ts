import { hubMetricName, type CheckOutcome, type Checker } from './types.ts';

export interface HubReplacedOptions {
  /** Most connections the hub may close because a newer one registered for the same agent id. Default 0. */
  maxReplaced?: number;
}

function skipped(title: string, reason: string): CheckOutcome {
  return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
}

/** With unique agent ids and a sound hub, no connection is ever replaced. */
export const checkHubReplaced: Checker<HubReplacedOptions> = (input, options) => {
  const maxReplaced = options.maxReplaced ?? 0;
  const title = `Hub replaced at most ${maxReplaced} connection(s)`;
  const metrics = input.hubMetrics;
  const named = hubMetricName(input, 'replaced');
  if ('missing' in named) return skipped(title, named.missing);
  if (!metrics) return skipped(title, input.hubMetricsMissing ?? 'the hub exposes no /metrics');
  const replaced = metrics.sum(named.name);
  if (replaced === undefined) return skipped(title, `the hub's metrics have no ${named.name}`);
  const disconnectsName = hubMetricName(input, 'disconnects');
  const disconnects = Object.fromEntries(
    'name' in disconnectsName ? metrics.samples.filter((s) => s.name === disconnectsName.name).map((s) => [`${s.labels.code} "${s.labels.reason}"`, s.value]) : [],
  );
  const evidence = { replaced, maxReplaced, disconnectsByCodeAndReason: disconnects };
  if (replaced <= maxReplaced) return { title, status: 'passed', summary: `hub replaced ${replaced} connection(s)`, evidence };
  return { title, status: 'failed', summary: `hub replaced ${replaced} connection(s) (${named.name}), more than ${maxReplaced}`, evidence };
};

/** The incident's root cause, seen from inside the hub: more than one handler ran for a connection. */
export const checkHubHandlersPerConnection: Checker<Record<string, never>> = (input) => {
  const title = 'Hub ran exactly one WebSocket handler per connection';
  const metrics = input.hubMetrics;
  const named = hubMetricName(input, 'handlersPerConnection');
  if ('missing' in named) return skipped(title, named.missing);
  if (!metrics) return skipped(title, input.hubMetricsMissing ?? 'the hub exposes no /metrics');
  const count = metrics.sum(`${named.name}_count`);
  const sum = metrics.sum(`${named.name}_sum`);
  const atMostOne = metrics.sum(`${named.name}_bucket`, { le: '1' });
  if (count === undefined || sum === undefined || atMostOne === undefined) {
    return skipped(title, `the hub's metrics have no ${named.name} histogram`);
  }
  const withMore = count - atMostOne;
  const evidence = { connections: count, handlersInvoked: sum, connectionsWithMoreThanOne: withMore };
  if (withMore === 0) return { title, status: 'passed', summary: `${count} connection(s), one handler each`, evidence };
  return {
    title,
    status: 'failed',
    summary: `${withMore} of ${count} connection(s) ran more than one WebSocket handler (${sum} handler calls in all): a duplicate route`,
    evidence,
  };
};
