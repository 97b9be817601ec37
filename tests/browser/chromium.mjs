// Headless Debian Chromium for tests and benches (never a downloaded browser).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage',
];

// A fresh profile per launch, removed when the browser closes: each holds the models it
// cached (up to 300 MB), and a suite launches dozens.
export async function launch(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'orquestra-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  // After close() resolves the browser has exited and written its last file; removing the
  // profile is best effort (a failure here must not fail a test).
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch { /* left in the temp dir */ }
  };
  return context;
}
