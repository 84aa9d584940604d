import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { childPids, hookExit, isTracked, releaseGroup, trackGroup } from './process-registry.ts';

/** Debian's Chromium, driven by playwright-core (no browser download: this machine has no internet). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Playwright starts Chromium as the leader of its own process group and kills it on exit and signals;
 * the group is also written down (test/process-registry.ts) so that the global teardown kills it if
 * this worker itself is killed.
 */
export async function launchChromium(): Promise<Browser> {
  hookExit();
  const before = new Set(childPids());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  // A server started at the same moment (Promise.all) is a new child too, but already tracked.
  const started = childPids().filter((p) => !before.has(p) && !isTracked(p));
  for (const pid of started) trackGroup(pid);
  browser.on('disconnected', () => {
    for (const pid of started) releaseGroup(pid);
  });
  return browser;
}
