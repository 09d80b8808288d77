import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, Router, startingServer, toApiGatewayEvent, writeApiResult, type ApiHandler, type MountedRoute } from '../../../lib/local/http-front.ts';
import { routes } from '../../../shared/topology.ts';

const noop: ApiHandler = async () => ({ statusCode: 204 });
const router = new Router(routes.map((r) => ({ ...r, handler: noop, timeoutSeconds: 10 })));

describe('Router', () => {
  it('matches each declared route by method and path', () => {
    expect(router.match('POST', '/uploads')?.route.function).toBe('create-upload');
    expect(router.match('GET', '/rules')?.route.function).toBe('list-rules');
    expect(router.match('POST', '/rules')?.route.function).toBe('create-rule');
    expect(router.match('GET', '/rules/abc')?.route.function).toBe('get-rule');
    expect(router.match('PATCH', '/rules/abc')?.route.function).toBe('update-rule');
    expect(router.match('DELETE', '/rules/abc')?.route.function).toBe('delete-rule');
    expect(router.match('POST', '/twilio/status')?.route.auth).toBe('twilio');
  });

  it('extracts path parameters, decoded', () => {
    expect(router.match('GET', '/files/01JABCDEF')?.pathParameters).toEqual({ fileId: '01JABCDEF' });
    expect(router.match('GET', '/rules/a%20b%C3%A9')?.pathParameters).toEqual({ ruleId: 'a bé' });
    expect(router.match('GET', '/rules/a%2Fb')?.pathParameters).toEqual({ ruleId: 'a/b' });
  });

  it('keeps a parameter that is not valid percent-encoding as it came', () => {
    expect(router.match('GET', '/rules/%E0%A4%A')?.pathParameters).toEqual({ ruleId: '%E0%A4%A' });
  });

  it('gives no path parameters to a route without any', () => {
    expect(router.match('GET', '/rules')?.pathParameters).toEqual({});
  });

  it('answers undefined for a method the path does not take', () => {
    expect(router.match('PUT', '/rules/abc')).toBeUndefined();
    expect(router.match('DELETE', '/rules')).toBeUndefined();
    expect(router.match('GET', '/uploads')).toBeUndefined();
  });

  it('answers undefined for paths that are not routes', () => {
    expect(router.match('GET', '/rules/abc/extra')).toBeUndefined();
    expect(router.match('GET', '/rules/')).toBeUndefined();
    expect(router.match('GET', '/file')).toBeUndefined();
    expect(router.match('GET', '/rulesX')).toBeUndefined();
    expect(router.match('GET', '/')).toBeUndefined();
  });

  it('treats literal segments literally, not as patterns', () => {
    const dotted = new Router([
      { method: 'GET', path: '/v1.0/items', function: 'list-rules', auth: 'user', handler: noop, timeoutSeconds: 1 } satisfies MountedRoute,
    ]);
    expect(dotted.match('GET', '/v1.0/items')).toBeDefined();
    expect(dotted.match('GET', '/v1x0/items')).toBeUndefined();
  });
});

describe('toApiGatewayEvent, writeApiResult and readBody on a live request', () => {
  let server: Server;
  let baseUrl: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => Promise<void>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      respond(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends a request and answers the event the front built from it. */
  async function eventFor(path: string, init: RequestInit, claims?: Record<string, string | number>): Promise<APIGatewayProxyEventV2WithJWTAuthorizer> {
    respond = async (req, res) => {
      const body = (await readBody(req, 1024 * 1024))!;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = router.match(req.method ?? 'GET', url.pathname)!;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(toApiGatewayEvent(req, body, match, claims)));
    };
    const response = await fetch(`${baseUrl}${path}`, init);
    expect(response.status).toBe(200);
    return (await response.json()) as APIGatewayProxyEventV2WithJWTAuthorizer;
  }

  it('builds a payload 2.0 event with route, path, query, headers and the JWT claims', async () => {
    const event = await eventFor(
      '/rules/r%201?limit=10&tag=a&tag=b',
      { method: 'GET', headers: { Authorization: 'Bearer t', 'X-Custom': 'Yes', Cookie: 'a=1; b=2' } },
      { sub: 'alice', iat: 1_700_000_000 },
    );

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /rules/{ruleId}',
      rawPath: '/rules/r%201',
      rawQueryString: 'limit=10&tag=a&tag=b',
      queryStringParameters: { limit: '10', tag: 'a,b' },
      pathParameters: { ruleId: 'r 1' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: expect.any(String),
        authorizer: { jwt: { claims: { sub: 'alice', iat: 1_700_000_000 }, scopes: [] } },
        domainName: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        http: { method: 'GET', path: '/rules/r%201', protocol: 'HTTP/1.1', sourceIp: expect.stringMatching(/127\.0\.0\.1/), userAgent: expect.any(String) },
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        routeKey: 'GET /rules/{ruleId}',
        stage: '$default',
        timeEpoch: expect.any(Number),
        time: expect.any(String),
      },
    });
    expect(event.headers).toMatchObject({ authorization: 'Bearer t', 'x-custom': 'Yes' });
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event).not.toHaveProperty('body');
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
    expect(Date.parse(event.requestContext.time)).not.toBeNaN();
  });

  it('leaves out the authorizer on public routes, and query and path parameters when there are none', async () => {
    const event = await eventFor('/twilio/status', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'MessageSid=SM1&MessageStatus=sent',
    });
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event.rawQueryString).toBe('');
    // Form bodies arrive base64-encoded, as HTTP APIs and Function URLs deliver them.
    expect(event).toMatchObject({
      body: Buffer.from('MessageSid=SM1&MessageStatus=sent').toString('base64'),
      isBase64Encoded: true,
      routeKey: 'POST /twilio/status',
    });
  });

  it('passes a JSON body as text', async () => {
    const event = await eventFor('/rules', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":"é"}' });
    expect(event).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
  });

  it('passes a binary body base64-encoded, as API Gateway does', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    const event = await eventFor('/uploads', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  /**
   * The fields and types of Powertools' APIGatewayProxyEventV2Schema (@aws-lambda-powertools/parser
   * is not installed, so they are checked here by hand).
   */
  it('has every field API Gateway’s HTTP API puts in a payload 2.0 event, with its type', async () => {
    const event = (await eventFor(
      '/rules?limit=5',
      { method: 'GET', headers: { authorization: 'Bearer t' } },
      { sub: 'bob' },
    )) as unknown as APIGatewayProxyEventV2 & Record<string, unknown>;
    const ctx = event.requestContext as unknown as Record<string, unknown>;
    expect(event.version).toBe('2.0');
    for (const key of ['routeKey', 'rawPath', 'rawQueryString']) expect(typeof event[key]).toBe('string');
    expect(typeof event.headers).toBe('object');
    expect(typeof event.isBase64Encoded).toBe('boolean');
    for (const key of ['accountId', 'apiId', 'domainName', 'domainPrefix', 'requestId', 'routeKey', 'stage', 'time']) {
      expect(typeof ctx[key], `requestContext.${key}`).toBe('string');
    }
    expect(typeof ctx.timeEpoch).toBe('number');
    const http = ctx.http as Record<string, unknown>;
    for (const key of ['method', 'path', 'protocol', 'sourceIp', 'userAgent']) expect(typeof http[key], `requestContext.http.${key}`).toBe('string');
    expect(Object.values(event.headers).every((v) => typeof v === 'string')).toBe(true);
    expect(Object.values(event.queryStringParameters ?? {}).every((v) => typeof v === 'string')).toBe(true);
  });

  async function resultFor(result: APIGatewayProxyResultV2): Promise<Response> {
    respond = async (_req, res) => writeApiResult(res, result);
    return fetch(`${baseUrl}/anything`);
  }

  it('writes a handler’s result with its status, headers and cookies', async () => {
    const response = await resultFor({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-one': '1' },
      body: '{"ok":true}',
      cookies: ['a=1', 'b=2'],
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('decodes a base64-encoded result body', async () => {
    const bytes = Buffer.from([1, 2, 3, 250]);
    const response = await resultFor({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('infers a 200 JSON response from a bare object or string, as API Gateway does', async () => {
    const fromObject = await resultFor({ hello: 'world' } as unknown as APIGatewayProxyResultV2);
    expect(fromObject.status).toBe(200);
    expect(fromObject.headers.get('content-type')).toBe('application/json');
    expect(await fromObject.json()).toEqual({ hello: 'world' });
    const fromString = await resultFor('plain');
    expect(await fromString.text()).toBe('plain');
  });

  it('refuses to read a body over the limit', async () => {
    let read: Buffer | undefined | 'unset' = 'unset';
    respond = async (req, res) => {
      read = await readBody(req, 10);
      res.writeHead(204).end();
    };
    await fetch(`${baseUrl}/x`, { method: 'POST', body: 'x'.repeat(11) });
    expect(read).toBeUndefined();
    await fetch(`${baseUrl}/x`, { method: 'POST', body: 'x'.repeat(10) });
    expect(read).toEqual(Buffer.from('x'.repeat(10)));
  });
});

describe('startingServer', () => {
  it('answers 503 STARTING with Retry-After while it listens without a handler, then serves with the one it is given', async () => {
    const { server, serve } = startingServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      const early = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe('STARTING');

      serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
      const ready = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
