import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { inlineConsoleConfig, scriptSafeJson } from '../console-page.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The headers the deployed console's CloudFront answers with too (see lib/stack.ts). */
export const CONSOLE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
};

/** What the console reads at start (web/src/config.ts), as a script so it loads alongside the bundle. */
export function consoleConfigScript(config: Record<string, unknown>): string {
  return `window.__CONSOLE_CONFIG__ = ${JSON.stringify(config)};\n`;
}

/**
 * Serves the built console (web/dist) for GET and HEAD requests no route claimed: a file when one
 * is there (hashed assets are cached for good, index.html is revalidated every time), else
 * index.html for page navigations, so a console address such as /app/files/… opens on reload.
 * index.html carries `config` in its settings block (see lib/console-page.ts). Answers false
 * when it has nothing to say.
 */
export function serveConsole(dir: string, req: IncomingMessage, res: ServerResponse, path: string, config?: Record<string, unknown>): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const root = resolve(dir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    if (path !== '/' && !path.startsWith('/app')) return false;
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      .end('The console is not built. `npm start` builds it (npm run build:web does it alone).\n');
    return true;
  }
  let file: string | undefined;
  if (path !== '/') {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return false;
    }
    const candidate = resolve(root, `.${normalize(decoded)}`);
    if ((candidate === root || candidate.startsWith(root + sep)) && existsSync(candidate) && statSync(candidate).isFile()) file = candidate;
  }
  if (!file) {
    const wantsPage = path === '/' || (!extname(path) && (req.headers.accept ?? '').includes('text/html'));
    if (!wantsPage) return false;
    file = index;
  }
  const immutable = file.startsWith(join(root, 'assets') + sep);
  const page = file === index && config ? Buffer.from(inlineConsoleConfig(readFileSync(file, 'utf8'), scriptSafeJson(config))) : undefined;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(page ? page.length : statSync(file).size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...CONSOLE_SECURITY_HEADERS,
  });
  if (method === 'HEAD') res.end();
  else if (page) res.end(page);
  else createReadStream(file).pipe(res);
  return true;
}
