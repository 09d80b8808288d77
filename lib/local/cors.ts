/**
 * CORS preflights answered as the deployed system answers them: the HTTP API allows the console's
 * origin only, with the `authorization` and `content-type` headers and the methods of its routes
 * (an hour's max age), and answers 204 without CORS headers to any other origin; the bucket (here
 * `/local/s3`) allows the console's origin to POST and GET with any header, and answers 403 with
 * S3's XML error to any other. Locally the console is served by the front itself.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3ErrorXml } from './s3-error.ts';
import { S3_PROXY_PREFIX } from './s3-proxy.ts';

export interface PreflightAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** The answer to a CORS preflight, or undefined when the request is not one. */
export function preflightAnswer(
  req: { method?: string; url?: string; headers: IncomingHttpHeaders },
  consoleOrigins: readonly string[],
  apiMethods: readonly string[],
): PreflightAnswer | undefined {
  const origin = req.headers.origin;
  const requestedMethod = req.headers['access-control-request-method'];
  if (req.method !== 'OPTIONS' || origin === undefined || requestedMethod === undefined) return undefined;
  const allowed = consoleOrigins.includes(origin);
  if ((req.url ?? '').startsWith(`${S3_PROXY_PREFIX}/`)) {
    if (!allowed || !['POST', 'GET'].includes(requestedMethod)) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: s3ErrorXml(
          {
            status: 403,
            code: 'AccessForbidden',
            message:
              "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
          },
          'local',
        ),
      };
    }
    const headers = req.headers['access-control-request-headers'];
    return {
      status: 200,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST, GET',
        ...(headers ? { 'access-control-allow-headers': headers } : {}),
        'access-control-expose-headers': 'ETag',
        'access-control-max-age': '3000',
        vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
      },
    };
  }
  if (!allowed) return { status: 204, headers: {} };
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-allow-methods': [...new Set(apiMethods)].join(','),
      'access-control-max-age': '3600',
    },
  };
}
