import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RouteSpec } from '../../shared/topology.ts';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface MountedRoute extends RouteSpec {
  handler: ApiHandler;
  timeoutSeconds: number;
}

interface CompiledRoute extends MountedRoute {
  pattern: RegExp;
  paramNames: string[];
}

/** Compiles API Gateway's `{name}` path syntax into a matcher. */
function compile(route: MountedRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      paramNames.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), paramNames };
}

export interface RouteMatch {
  route: MountedRoute;
  pathParameters: Record<string, string>;
}

/** Finds the route for a request as API Gateway's HTTP API router would: method and path. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly MountedRoute[]) {
    this.compiled = routes.map(compile);
  }

  routes(): readonly MountedRoute[] {
    return this.compiled;
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const route of this.compiled) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const pathParameters: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        pathParameters[name] = safeDecode(m[i + 1] ?? '');
      });
      return { route, pathParameters };
    }
    return undefined;
  }
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

// A form body is not among them: HTTP APIs and Function URLs deliver it base64-encoded, and a
// handler that read it as text would work locally and fail deployed.
const TEXT_TYPES = /^(application\/(json|xml|javascript)|text\/)/i;

/**
 * Builds the API Gateway HTTP API (payload 2.0) event Lambda would receive for this request,
 * with the JWT authorizer's claims when the route is authenticated.
 */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  match: RouteMatch,
  claims: Record<string, string | number> | undefined,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  const routeKey = `${match.route.method} ${match.route.path}`;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: match.route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2;
}

/** Writes a handler's result as API Gateway would, including its inference for bare objects. */
export function writeApiResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(typeof result === 'string' ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ?? '';
  res.writeHead(result.statusCode ?? 200, headers).end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export function sendJson(res: ServerResponse, statusCode: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(statusCode).end();
    return;
  }
  res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: { code, message, ...(details !== undefined ? { details } : {}) },
});

/** What the deployed HTTP API answers itself, before any function runs: its JWT authorizer's 401 and an unknown route's 404. */
const GATEWAY_MESSAGES = { 401: 'Unauthorized', 404: 'Not Found' } as const;

/**
 * An answer the deployed API Gateway gives itself, with its body's `message` (`{"message":"Unauthorized"}`,
 * `{"message":"Not Found"}`), beside the contract's `error`: a client reading either finds it here.
 */
export const gatewayErrorBody = (status: keyof typeof GATEWAY_MESSAGES, code: string, message: string) => ({
  message: GATEWAY_MESSAGES[status],
  ...errorBody(code, message),
});

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * An HTTP server that can listen before it can serve: until `serve` hands it the request
 * handler, every request gets `503 STARTING` with `Retry-After: 1`, rather than no answer at all.
 */
export function startingServer(): { server: Server; serve: (handler: (req: IncomingMessage, res: ServerResponse) => void) => void } {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.setHeader('retry-after', '1');
    res.setHeader('connection', 'close');
    sendJson(res, 503, errorBody('STARTING', 'The local runtime is still starting; try again in a second.'));
  });
  return { server, serve: (h) => (handler = h) };
}
