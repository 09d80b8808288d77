import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../lib/local/chromium.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

/** The Voice page and the Phone panel's call button in Chromium, against a real local runtime (skipped without a Chromium). */
const chromiumPath = findChromium();
const artifacts = join(projectRoot, '.artifacts');
const CALLER = '+14155550177';
const EVENTUALLY = { timeout: 40_000 };

let runtime: LocalRuntime;
let browser: Browser;
let page: Page;
let consoleDir: string;

async function open(label: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
}

describe.skipIf(!chromiumPath)('the Voice page in Chromium', () => {
  beforeAll(async () => {
    consoleDir = mkdtempSync(join(tmpdir(), 'console-voice-'));
    await build({ configFile: join(projectRoot, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: consoleDir, emptyOutDir: true } });
    // The consumers in their own thread, as npm start runs them.
    runtime = await startLocalRuntime({ port: 0, consoleDir, logLevel: 'SILENT', consumerThreads: 1 });
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
  });

  it('places a missed call from the Phone panel and shows it, its auto-reply and the conversation', async () => {
    const token = await runtime.token('dana');
    const line = await fetch(`${runtime.url}/lines`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: runtime.twilio.fromNumber, forwardTo: '+14155550199', businessName: 'Dana Dental' }),
    });
    expect(line.status).toBe(201);

    await page.goto(runtime.consoleUrl);
    await page.getByLabel('User name').fill('dana');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upload' }).waitFor();

    await open('Phone');
    await page.getByLabel('From phone number').fill(CALLER);
    await page.getByLabel('The forwarded phone').selectOption('no-answer');
    await page.getByRole('button', { name: 'Place a call' }).click();
    await page.getByText(new RegExp(`Called \\${runtime.twilio.fromNumber} from \\${CALLER}: no-answer`)).waitFor();
    await page
      .getByRole('article', { name: `Messages with ${CALLER}` })
      .getByText('Sorry we missed your call')
      .waitFor(EVENTUALLY);
    await page.screenshot({ path: join(artifacts, 'phone-call.png'), fullPage: true });

    await open('Voice');
    await expect.poll(() => page.getByRole('table', { name: 'Lines' }).textContent()).toContain('Dana Dental');
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.getByRole('table', { name: 'Calls' }).textContent();
      }, EVENTUALLY)
      .toMatch(/voicemail.*(queued|sent|delivered|pending)/);
    expect(await page.getByRole('table', { name: 'Conversations' }).textContent()).toContain(CALLER);
    await page.screenshot({ path: join(artifacts, 'voice.png'), fullPage: true });
  }, 120_000);
});
