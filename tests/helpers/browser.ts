import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags measured to work for Debian's Chromium in a headless container (see shared/ENVIRONMENT.md). */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian's Chromium. Returns null (so the suite can skip) only outside CI; under CI a
 * browser that cannot launch is a failure, never a silent skip.
 */
export async function launchBrowser(): Promise<Browser | null> {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run must install it`);
    return null;
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
