import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { findChromium } from '../../lib/local/chromium.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { sampleImages } from '../../lib/local/sample-images.ts';

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

/** A real PNG of `size`×`size` pixels in a gradient, so the thumbnail shows something. */
function png(size: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) rows.set([242, Math.round((x / size) * 255), Math.round((y / size) * 255)], y * (1 + size * 3) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
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
    await expect
      .poll(() => page.getByRole('list', { name: 'Status timeline' }).locator('.badge').allTextContents())
      .toEqual(expect.arrayContaining(['pending', 'sent', 'delivered']));
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
    await page
      .getByRole('article', { name: `Messages with ${PHONE}` })
      .getByText('New upload: report.txt')
      .waitFor(EVENTUALLY);
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

  it('sends now and later, manages templates and settings, and follows a posted message to processed with an image', async () => {
    const to = '+14155550124';
    const sender = '+14155550177';
    onTestFailed(() => shot('failed-messaging'));
    await page.goto(runtime.consoleUrl);
    await page.getByLabel('User name').fill('dana');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upload' }).waitFor();

    // A template: its variables appear as fields while it is typed; then an edit.
    await open('Templates');
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name', { exact: true }).fill('visit');
    await page.getByLabel('Template text').fill('Hi {{name}}, see you at {{time}}.');
    await page.getByLabel('Sample name').fill('Ana');
    await page.getByLabel('Sample time').fill('9:00');
    await expect.poll(() => page.locator('.preview .bubble').textContent()).toBe('Hi Ana, see you at 9:00.');
    await shot('templates-form');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByText('Template "visit" created.').waitFor();
    await page.getByRole('button', { name: 'Edit template visit' }).click();
    await page.getByLabel('Template text').fill('Hello {{name}}, see you at {{time}}.');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Template "visit" saved.').waitFor();
    await shot('templates');

    // Send with the template now: it reaches delivered, with its history.
    await open('Sends');
    await page.getByLabel('To', { exact: true }).fill(to);
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'visit' });
    await page.getByLabel('name', { exact: true }).fill('Ana');
    await page.getByLabel('time', { exact: true }).fill('9:00');
    await expect.poll(() => page.locator('.preview .bubble').textContent()).toBe('Hello Ana, see you at 9:00.');
    await shot('send-form');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText(`Sent to ${to}.`).waitFor();
    const sent = page.locator('li.send', { hasText: 'Hello Ana' });
    await sent.and(page.locator('[data-status="delivered"]')).waitFor(EVENTUALLY);
    await sent.getByText('History').click();
    await expect
      .poll(() => sent.getByRole('list', { name: 'Status timeline' }).locator('.badge').allTextContents())
      .toEqual(expect.arrayContaining(['sent', 'delivered']));

    // Schedule one for tomorrow, move it, then cancel it.
    const tomorrow = new Date(Date.now() + 24 * 3_600_000);
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('Message', { exact: true }).fill('Your parcel comes tomorrow');
    await page.getByLabel('Send at').fill(local(tomorrow));
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByText(`Scheduled for ${to}`).waitFor();
    const later = page.locator('li.send', { hasText: 'Your parcel comes tomorrow' });
    await later.and(page.locator('[data-status="scheduled"]')).waitFor();
    await later.getByRole('button', { name: `Reschedule the send to ${to}` }).click();
    await later.getByLabel('New time').fill(local(new Date(tomorrow.getTime() + 3_600_000)));
    await later.getByRole('button', { name: 'Save time' }).click();
    await page.getByText(`Send to ${to} moved to`).waitFor();
    await shot('sends');
    await later.getByRole('button', { name: `Cancel the send to ${to}` }).click();
    await later.and(page.locator('[data-status="canceled"]')).waitFor();

    // Post a message and see it processed; its page shows the processing time; attach an image.
    await open('Messages');
    await page.getByText('Post a message').click();
    await page.getByLabel('From number').fill(sender);
    await page.getByLabel('Text').fill('Photo of the damaged box attached');
    await page.getByRole('button', { name: 'Post message' }).click();
    await page.getByText('Message received; it is being processed.').waitFor();
    const results = page.locator('section[aria-labelledby="message-results"] tbody tr');
    const row = results.filter({ hasText: 'Photo of the damaged box' });
    await row.and(page.locator('[data-status="processed"]')).waitFor(EVENTUALLY);
    await page.getByLabel('From', { exact: true }).fill(sender);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => results.count()).toBe(1);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.getByTestId('metrics').textContent()).toMatch(/Messages processed[1-9]/);
    await shot('messages');
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Message' }).waitFor();
    await expect.poll(() => page.getByTestId('processing').textContent()).toMatch(/took \d+ ms/);
    await page.getByLabel('Attach an image').setInputFiles({ name: 'box.png', mimeType: 'image/png', buffer: png(160) });
    await page.getByText('box.png attached.').waitFor(EVENTUALLY);
    expect(await page.locator('.upload-progress progress').getAttribute('value')).toBe('100');
    const thumb = page.getByRole('img', { name: /Attached image, image\/png/ });
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBe(160);
    // An image larger than the API carries deployed goes straight to storage with a form, and is attached from there.
    await page.getByLabel('Attach an image').setInputFiles({ name: 'large.png', mimeType: 'image/png', buffer: sampleImages.png('x'.repeat(4_500_000)) });
    await page.getByText('large.png attached.').waitFor(EVENTUALLY);
    await expect.poll(() => page.getByRole('img', { name: /Attached image, image\/png/ }).count()).toBe(2);
    await shot('message');

    // Quiet hours with their time zone, and a number's opt-out history.
    await open('Settings');
    await page.getByLabel('Quiet hours').check();
    await page.getByLabel('Quiet from').fill('21:00');
    await page.getByLabel('Quiet until').fill('08:00');
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved. Quiet hours: 21:00–08:00 America/New_York.').waitFor();
    await page.getByLabel('Phone number').fill(to);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('opt-out-result').getByText('can receive').waitFor();
    await shot('settings');

    // At a phone's width.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [label, name] of [
      ['Sends', 'sends-phone-width'],
      ['Messages', 'messages-phone-width'],
      ['Templates', 'templates-phone-width'],
      ['Settings', 'settings-phone-width'],
    ] as const) {
      await open(label);
      await page.waitForLoadState('networkidle');
      await shot(name);
    }
    await page.setViewportSize({ width: 1200, height: 800 });
  }, 180_000);
});
