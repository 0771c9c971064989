import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core. Playwright's own browser
 * download needs a network this project does not have, so the tests use the
 * distribution's build (`apt-get install chromium`; .ci/run installs it).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
}

export interface StartedBrowser extends AsyncDisposable {
  context: BrowserContext;
}

/**
 * A headless Chromium with a fresh profile and no background traffic
 * (updates, sync, QUIC probes). Disposing closes it and removes the profile.
 */
export async function startChromium(): Promise<StartedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'edge-chaos-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args, headless: true, viewport: { width: 1400, height: 1000 } });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
