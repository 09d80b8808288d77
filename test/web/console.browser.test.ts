import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../lib/local/chromium.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

/**
 * The console in a real browser against a real local runtime. They need a Chromium: Debian's
 * `chromium` package (Playwright's own browser download does not work here). `.ci/run`
 * installs it, so CI always runs these; on a machine without it they are skipped, and say so.
 */
const chromiumPath = findChromium();
if (!chromiumPath) console.warn('Console browser tests skipped: no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH).');

const artifacts = join(projectRoot, '.artifacts');
const PHONE = '+14155550123';
/** Generous bounds for outcomes that arrive through queues and simulated callbacks (not timings under test). */
const EVENTUALLY = { timeout: 40_000 };

let runtime: LocalRuntime;
let browser: Browser;
let page: Page;
let consoleDir: string;

async function shot(name: string) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function open(label: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
}

describe.skipIf(!chromiumPath)('the console in Chromium', () => {
  beforeAll(async () => {
    consoleDir = mkdtempSync(join(tmpdir(), 'console-'));
    await build({ configFile: join(projectRoot, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: consoleDir, emptyOutDir: true } });
    runtime = await startLocalRuntime({ port: 0, consoleDir, callbackDelaysMs: { sent: 50, delivered: 100 } });
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // Counts the upload progress events the page receives, to show the bar follows real progress.
    await page.addInitScript(`
      const seen = (window.__uploadProgress = []);
      const add = XMLHttpRequestUpload.prototype.addEventListener;
      XMLHttpRequestUpload.prototype.addEventListener = function (type, listener, ...rest) {
        if (type === 'progress') add.call(this, 'progress', (e) => seen.push({ loaded: e.loaded, total: e.total }));
        return add.call(this, type, listener, ...rest);
      };
    `);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
  });

  it('signs in, manages a rule, uploads with progress, follows notifications, and honours STOP', async () => {
    // Sign in: the console's front door leads there.
    await page.goto(runtime.consoleUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('User name').fill('carol');
    await shot('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upload' }).waitFor();

    // Create a rule; the server's validation message appears by its field first.
    await open('Rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('To', { exact: true }).fill('not a number');
    await page.getByLabel('File type').fill('txt');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => page.getByText('target must be a valid phone number').count()).toBe(1);
    expect(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('To', { exact: true }).fill(PHONE);
    expect(await page.getByText('target must be a valid phone number').count()).toBe(0);
    await page.getByLabel('File name pattern').fill('^report');
    await page.getByLabel('Try it on file names').fill('report.txt\nnotes.txt\nreport.pdf');
    await expect.poll(() => page.locator('.matches .hit').allTextContents()).toEqual([expect.stringContaining('report.txt')]);
    await page.getByLabel('File name pattern').fill('');
    await page.getByLabel('Message').fill('New upload: {{fileName}} ({{sizeKb}} KB) — see the console');
    await expect.poll(() => page.getByTestId('segments').textContent()).toContain('UCS-2');
    await shot('rules-form');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText(`Rule for ${PHONE} created.`).waitFor();

    // Upload a file: the bar follows the upload's progress, then its notification reaches delivered.
    await open('Upload');
    await page.locator('#upload-files').setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.alloc(3 * 1024 * 1024, 'a') });
    await page.getByLabel('Tags').fill('finance, q3');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const item = page.locator('.upload-item', { hasText: 'report.txt' });
    await item.locator('[data-status="delivered"]').waitFor(EVENTUALLY);
    expect(await item.locator('progress').getAttribute('value')).toBe('100');
    const progress = (await page.evaluate('window.__uploadProgress')) as Array<{ loaded: number; total: number }>;
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.loaded).toBe(progress.at(-1)!.total);
    await shot('upload');

    // Find it again among the files, and open its page.
    await open('Files');
    await page.getByLabel('Name starts with').fill('REP');
    await page.getByLabel('Tag').fill('q3');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'report.txt' }).waitFor();
    await shot('files');
    await page.getByRole('link', { name: 'report.txt' }).click();
    await page.getByRole('heading', { level: 1, name: 'report.txt' }).waitFor();
    await page.locator('[data-status="delivered"]').waitFor(EVENTUALLY);
    await expect.poll(() => page.getByRole('list', { name: 'Status timeline' }).locator('.badge').allTextContents()).toEqual(expect.arrayContaining(['pending', 'sent', 'delivered']));
    const href = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
    const download = await fetch(new URL(href!, runtime.url));
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(3 * 1024 * 1024);
    await shot('file');

    // Edit the rule.
    await open('Rules');
    await page.getByRole('button', { name: `Edit rule for ${PHONE}` }).click();
    await page.getByLabel('Message').fill('Got {{fileName}}');
    await expect.poll(() => page.getByTestId('segments').textContent()).toContain('1 segment · GSM-7');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText(`Rule for ${PHONE} saved.`).waitFor();
    await page.getByText('Message: Got {{fileName}}').waitFor();
    await shot('rules');

    // The phone that got the message texts STOP; the next notification to it is suppressed.
    await open('Phone');
    await page.getByRole('article', { name: `Messages with ${PHONE}` }).getByText('New upload: report.txt').waitFor(EVENTUALLY);
    await page.getByLabel('From phone number').fill(PHONE);
    await page.getByRole('button', { name: 'Text STOP' }).click();
    await page.getByText(`Texted "STOP" from ${PHONE}.`).waitFor();
    await shot('phone');

    await open('Upload');
    await page.locator('#upload-files').setInputFiles({ name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.from('second file') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('.upload-item', { hasText: 'second.txt' }).locator('[data-status="suppressed"]').waitFor(EVENTUALLY);

    await open('Notifications');
    await page.getByText('Live: new notifications appear').waitFor(EVENTUALLY);
    await page.locator('tr[data-status="suppressed"]').waitFor(EVENTUALLY);
    await page.locator('tr[data-status="delivered"]').waitFor(EVENTUALLY);
    await page.getByLabel('Status').selectOption('suppressed');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Status').selectOption('');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await shot('notifications');

    // Delete the rule.
    await open('Rules');
    await page.getByRole('button', { name: `Delete rule for ${PHONE}` }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByText('No rules yet.').waitFor();

    // At a phone's width, the same pages stay usable.
    await page.setViewportSize({ width: 390, height: 844 });
    await open('Files');
    await page.getByRole('link', { name: 'report.txt' }).waitFor();
    await shot('files-phone-width');
    await page.setViewportSize({ width: 1200, height: 800 });

    // Sign out ends the session.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate("localStorage.getItem('tms.session')")).toBeNull();
  }, 180_000);
});
