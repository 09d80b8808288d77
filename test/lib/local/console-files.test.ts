import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptsEncoding, consoleConfigScript, serveConsole } from '../../../lib/local/console-files.ts';
import { proxyToS3 } from '../../../lib/local/s3-proxy.ts';

const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
const big = 'console.log("a line the compressor finds again and again");\n'.repeat(2_000);
const missing = join(dir, 'not-built');
let server: Server;
let upstream: Server;
let base: string;

beforeAll(async () => {
  mkdirSync(join(dir, 'site/assets'), { recursive: true });
  writeFileSync(join(dir, 'site/index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'site/assets/app-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'site/assets/big-abc123.js'), big);
  writeFileSync(join(dir, 'site/assets/pic-abc123.png'), big);
  writeFileSync(join(dir, 'secret.txt'), 'outside the console');
  // Stands in for the embedded S3: echoes what reached it.
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(201, { 'x-seen-host': req.headers.host ?? '' }).end(`${req.method} ${req.url} ${body}`));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const s3 = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/local/s3/')) return proxyToS3(s3, req, res);
    const root = path.startsWith('/unbuilt') ? missing : join(dir, 'site');
    if (!serveConsole(root, req, res, path.replace(/^\/unbuilt/, '') || '/')) res.writeHead(404).end('api 404');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => upstream.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('serving the console', () => {
  it('answers / with index.html, and a built asset with its type, cached for good', async () => {
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await root.text()).toContain('<title>console</title>');
    const asset = await fetch(`${base}/assets/app-abc123.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('answers a hashed script compressed once it has been, brotli or gzip as the browser accepts, and an image as it is', async () => {
    const get = (accept: string, file = 'big-abc123.js', method = 'GET') => fetch(`${base}/assets/${file}`, { method, headers: { 'accept-encoding': accept } });
    // The first request starts the compression and is not made to wait for it.
    const first = await get('gzip, br');
    expect(first.headers.get('content-encoding')).toBeNull();
    expect(Number(first.headers.get('content-length'))).toBe(big.length);
    expect(await first.text()).toBe(big);
    await vi.waitFor(async () => expect((await get('gzip, br')).headers.get('content-encoding')).toBe('br'));
    const br = await get('gzip, deflate, br');
    expect(br.headers.get('vary')).toBe('accept-encoding');
    expect(br.headers.get('cache-control')).toContain('immutable');
    expect(Number(br.headers.get('content-length'))).toBeLessThan(big.length / 10);
    expect(await br.text()).toBe(big);
    const gz = await get('br;q=0, gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(big);
    expect((await get('identity')).headers.get('content-encoding')).toBeNull();
    expect((await get('br', 'big-abc123.js', 'HEAD')).headers.get('content-encoding')).toBe('br');
    await get('br', 'pic-abc123.png');
    const image = await get('br', 'pic-abc123.png');
    expect(image.headers.get('content-encoding')).toBeNull();
    expect(image.headers.get('vary')).toBeNull();
  });

  it('reads Accept-Encoding by name, and a q of 0 as a refusal', () => {
    expect(acceptsEncoding('gzip, deflate, br, zstd', 'br')).toBe(true);
    expect(acceptsEncoding('gzip;q=1.0, br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('br;q=0.000', 'br')).toBe(false);
    expect(acceptsEncoding('br;q=0.5', 'br')).toBe(true);
    expect(acceptsEncoding('x-gzip', 'gzip')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
  });

  it('falls back to index.html for page navigations only', async () => {
    expect(await (await fetch(`${base}/app/files/abc`, { headers: html })).text()).toContain('<title>console</title>');
    expect(await (await fetch(`${base}/app/files/abc`)).text()).toBe('api 404');
    expect(await (await fetch(`${base}/assets/gone.js`, { headers: html })).text()).toBe('api 404');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(404);
  });

  it('never serves a file outside its folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const answer = await fetch(`${base}${path}`);
      expect(await answer.text()).not.toContain('outside the console');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const answer = await fetch(`${base}/unbuilt/`, { headers: html });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('npm start');
  });

  it("writes the console's settings into index.html's settings block, safe inside the script element", async () => {
    const page = join(dir, 'with-config');
    mkdirSync(page, { recursive: true });
    writeFileSync(join(page, 'index.html'), '<head><script type="application/json" id="console-config">{}</script></head>');
    const local = createServer((req, res) => {
      if (!serveConsole(page, req, res, new URL(req.url ?? '/', 'http://x').pathname, { auth: 'local', twilioNumber: '</script><b>' }))
        res.writeHead(404).end();
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
    try {
      const answer = await fetch(`http://127.0.0.1:${(local.address() as AddressInfo).port}/app/files`, { headers: html });
      const text = await answer.text();
      expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      expect(answer.headers.get('cache-control')).toBe('no-cache');
      const json = /id="console-config">(.*?)<\/script>/.exec(text)![1]!;
      expect(json).not.toContain('<');
      expect(JSON.parse(json)).toEqual({ auth: 'local', twilioNumber: '</script><b>' });
    } finally {
      await new Promise((r) => local.close(r));
    }
  });

  it('hands the console its settings as a script', () => {
    expect(consoleConfigScript({ auth: 'local' })).toBe('window.__CONSOLE_CONFIG__ = {"auth":"local"};\n');
  });
});

describe('the S3 proxy under /local/s3', () => {
  it('streams the request to the embedded S3 without the prefix, and its answer back', async () => {
    const answer = await fetch(`${base}/local/s3/bucket?x=1`, { method: 'POST', body: 'file bytes' });
    expect(answer.status).toBe(201);
    expect(await answer.text()).toBe('POST /bucket?x=1 file bytes');
    expect(answer.headers.get('x-seen-host')).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
