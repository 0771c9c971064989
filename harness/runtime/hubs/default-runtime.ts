/**
 * Past this many agents the reference hub runs in its own process unless a
 * scenario or the command line says otherwise. In the harness's process its
 * work shares the judge's event loop: at a redeploy it closes every socket in
 * one synchronous pass and then accepts and upgrades the whole fleet again,
 * while the agents (in the same loop) handle their side of each close. At
 * 500 agents (storm) that held the loop for 570-813 ms at the redeploy (p99
 * lag; 27-34 ms with the hub in its own process, same seed, load average
 * 1.2 to 2.7 from other work on the 2-core machine),
 * about 1.1-1.6 ms per agent: past 50 agents it would crowd storm's 100 ms
 * bound. Small fleets keep the in-process hub, which starts fastest.
 */
export const IN_PROCESS_HUB_MAX_AGENTS = 50;

/** The reference hub's runtime when neither the scenario nor the command line names one. */
export function defaultHubRuntime(agents: number): 'in-process' | 'child-process' {
  return agents > IN_PROCESS_HUB_MAX_AGENTS ? 'child-process' : 'in-process';
}
