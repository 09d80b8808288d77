import { createReadStream, existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
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

/** Built files sent compressed to a browser that accepts it: text, not images or fonts (already compressed). */
const COMPRESSIBLE = new Set(['.js', '.css', '.json', '.svg', '.map', '.txt']);

interface Encoded {
  br: Buffer;
  gzip: Buffer;
}

/**
 * Each hashed asset compressed once, with brotli (quality 9: within a few per cent of 11 for a
 * fraction of the work) and gzip, as CloudFront does in front of the deployed console: the main
 * script is under a third of its size. The work runs on libuv's threads and starts at an asset's
 * first request, which is answered uncompressed rather than made to wait; every later request,
 * from any browser, gets the bytes made then. Keyed by path, size and modification time, so a
 * rebuild is never answered with the old file's bytes.
 */
const encodings = new Map<string, { stamp: string; ready?: Encoded }>();

function encodedAsset(file: string, stats: Stats): Encoded | undefined {
  const stamp = `${stats.size}:${stats.mtimeMs}`;
  const known = encodings.get(file);
  if (known?.stamp === stamp) return known.ready;
  const entry: { stamp: string; ready?: Encoded } = { stamp };
  encodings.set(file, entry);
  const raw = readFileSync(file);
  Promise.all([
    promisify(brotliCompress)(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    promisify(gzip)(raw, { level: 9 }),
  ]).then(
    ([br, gz]) => {
      entry.ready = { br, gzip: gz };
    },
    () => encodings.delete(file),
  );
  return undefined;
}

/** Whether an Accept-Encoding header accepts `coding` (named, and not with q=0). */
export function acceptsEncoding(header: string | string[] | undefined, coding: 'br' | 'gzip'): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [name = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    return name === coding && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/** What the console reads at start (web/src/config.ts), as a script so it loads alongside the bundle. */
export function consoleConfigScript(config: Record<string, unknown>): string {
  return `window.__CONSOLE_CONFIG__ = ${JSON.stringify(config)};\n`;
}

/**
 * Serves the built console (web/dist) for GET and HEAD requests no route claimed: a file when one
 * is there (hashed assets are cached for good, and sent compressed once they have been, see
 * encodedAsset; index.html is revalidated every time), else
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
  const stats = statSync(file);
  const page = file === index && config ? Buffer.from(inlineConsoleConfig(readFileSync(file, 'utf8'), scriptSafeJson(config))) : undefined;
  const compressible = immutable && COMPRESSIBLE.has(extname(file));
  const encoded = compressible ? encodedAsset(file, stats) : undefined;
  const accept = req.headers['accept-encoding'];
  const coding = encoded && acceptsEncoding(accept, 'br') ? 'br' : encoded && acceptsEncoding(accept, 'gzip') ? 'gzip' : undefined;
  const body = coding ? encoded![coding] : page;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(body ? body.length : stats.size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(compressible ? { vary: 'accept-encoding' } : {}),
    ...(coding ? { 'content-encoding': coding } : {}),
    ...CONSOLE_SECURITY_HEADERS,
  });
  if (method === 'HEAD') res.end();
  else if (body) res.end(body);
  else createReadStream(file).pipe(res);
  return true;
}
