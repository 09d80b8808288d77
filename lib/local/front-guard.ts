/**
 * What the local front refuses before routing: it listens on loopback, yet a page in a browser on
 * the same machine can still reach it, by DNS rebinding (a name of the attacker's that resolves to
 * 127.0.0.1: the Host header then names it) or by a cross-site form (a simple POST, text/plain or
 * form-encoded). So: only local Host names (and the host of a configured public URL, for a tunnel);
 * the `/local/*` operator routes refuse another site's Origin and any body that is not JSON.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** True for localhost, its subdomains, 127.0.0.1 and [::1], on any port, and for the extra hosts given. */
export function isLocalHost(host: string | undefined, extraHosts: readonly string[] = []): boolean {
  if (!host) return false;
  const hostname = hostnameOf(host);
  if (hostname === undefined) return false;
  return LOCAL_HOSTNAMES.has(hostname) || hostname.endsWith('.localhost') || extraHosts.includes(hostname);
}

const isJson = (contentType: string | undefined) => /^application\/json\s*(;|$)/i.test(contentType ?? '');
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Why the front refuses this request, or undefined when it goes on. `publicHosts`: host names a tunnel may use. */
export function frontRefusal(req: { method?: string; url?: string; headers: IncomingHttpHeaders }, publicHosts: readonly string[] = []): Refusal | undefined {
  if (!isLocalHost(req.headers.host, publicHosts)) {
    return { status: 403, code: 'FORBIDDEN', message: 'The local runtime answers only requests addressed to localhost (the Host header).' };
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const operatorRoute = path.startsWith('/local/') && !path.startsWith('/local/s3/');
  if (!operatorRoute || !WRITES.has(req.method ?? 'GET')) return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && !isLocalHost(hostnameOf(origin.replace(/^[a-z]+:\/\//i, '')) ?? '', [])) {
    return { status: 403, code: 'FORBIDDEN', message: 'The /local routes do not accept requests from pages of another site.' };
  }
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !isJson(req.headers['content-type'])) {
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the /local routes a JSON body with the header Content-Type: application/json.' };
  }
  return undefined;
}
