// A user's scenario file, importing the package by name: `npx edge-chaos ./my-scenario.mjs`.
import { defineScenario } from 'edge-chaos';

export default defineScenario({
  name: 'consumer-steady',
  description: 'two agents stay connected',
  defaults: { agents: 2, durationMs: 2_000 },
  checks: { connectionLoop: {} },
});
