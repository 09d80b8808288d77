import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DynamoUserRateLimiter } from '../../shared/adapters/dynamo-user-rate-limiter-adapter.ts';
import { ConflictError } from '../../shared/errors.ts';
import { json, userRoutes } from '../../shared/http.ts';
import type { UserRateLimiter } from '../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../support/engines.ts';

const context = { functionName: 'http-test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function event(input: {
  sub?: string;
  body?: string;
  contentType?: string;
  query?: Record<string, string>;
  path?: Record<string, string>;
  base64?: boolean;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = input.contentType === undefined ? {} : { 'Content-Type': input.contentType };
  return {
    version: '2.0',
    routeKey: 'POST /things',
    rawPath: '/things',
    rawQueryString: '',
    headers,
    queryStringParameters: input.query,
    pathParameters: input.path,
    body: input.base64 && input.body !== undefined ? Buffer.from(input.body).toString('base64') : input.body,
    isBase64Encoded: input.base64 ?? false,
    requestContext: {
      authorizer: { jwt: { claims: input.sub === undefined ? {} : { sub: input.sub }, scopes: [] }, principalId: '', integrationLatency: 0 },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** A limiter that answers what it is told, and counts what it was asked. */
class FakeUserRateLimiter implements UserRateLimiter {
  asked: string[] = [];
  constructor(private readonly answer: Awaited<ReturnType<UserRateLimiter['admit']>> = { admitted: true }) {}
  async admit(userId: string) {
    this.asked.push(userId);
    return this.answer;
  }
}

const thingSchema = z.strictObject({
  name: z.string({ error: 'name must be a string.' }).check(z.minLength(1, 'name must not be empty.')),
  count: z.optional(z.number({ error: 'count must be a number.' })),
});

/** A route on the wrapper with `limiter`, recording each request its handler saw. */
function route(limiter: UserRateLimiter | null, handle?: () => Promise<never>) {
  const seen: Array<{ userId: string; body: unknown; query: unknown; params: unknown }> = [];
  const handler = userRoutes(() => limiter)(
    { body: thingSchema, query: z.strictObject({ mode: z.optional(z.enum(['fast', 'slow'])) }), params: z.object({ thingId: z.string() }) },
    async (req) => {
      seen.push({ userId: req.userId, body: req.body, query: req.query, params: req.params });
      if (handle) return handle();
      return json(201, { ok: true });
    },
  );
  const invoke = async (e: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    const response = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
    return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
  };
  return { invoke, seen, handler };
}

const valid = { sub: 'user-1', contentType: 'application/json', body: '{"name":"a"}', path: { thingId: 't-1' } };

describe('userRoute: the body', () => {
  it('hands the handler the validated body, query and path, and the caller from the token', async () => {
    const { invoke, seen } = route(null);
    const response = await invoke(event({ ...valid, body: '{"name":"a","count":2}', query: { mode: 'fast' } }));
    expect(response.statusCode).toBe(201);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(seen).toEqual([{ userId: 'user-1', body: { name: 'a', count: 2 }, query: { mode: 'fast' }, params: { thingId: 't-1' } }]);
  });

  it('takes JSON with a charset, and a base64-encoded body', async () => {
    const { invoke, seen } = route(null);
    expect((await invoke(event({ ...valid, contentType: 'application/json; charset=utf-8' }))).statusCode).toBe(201);
    expect((await invoke(event({ ...valid, base64: true }))).statusCode).toBe(201);
    expect(seen).toHaveLength(2);
  });

  it('refuses a body that is not declared JSON with 415, before reading it', async () => {
    const { invoke, seen } = route(null);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const response = await invoke(event({ ...valid, contentType }));
      expect(response.statusCode, String(contentType)).toBe(415);
      expect(response.json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(response.json.error.message).toMatch(/Content-Type: application\/json/);
    }
    expect(seen).toEqual([]);
  });

  it('refuses malformed or empty JSON with 400, saying which', async () => {
    const { invoke, seen } = route(null);
    const malformed = await invoke(event({ ...valid, body: '{"name":' }));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json.error).toEqual({ code: 'VALIDATION_ERROR', message: 'The request body is not valid JSON.' });
    const empty = await invoke(event({ ...valid, body: '  ' }));
    expect(empty.statusCode).toBe(400);
    expect(empty.json.error.message).toMatch(/empty/);
    expect(seen).toEqual([]);
  });

  it('answers 400 naming each field zod refused, in the body, the query and the path', async () => {
    const { invoke, seen } = route(null);
    const body = await invoke(event({ ...valid, body: '{"name":"","count":"two","extra":1}' }));
    expect(body.statusCode).toBe(400);
    expect(body.json.error.code).toBe('VALIDATION_ERROR');
    const fields = body.json.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'count']));
    expect(body.json.error.message).toMatch(/name must not be empty\./);
    expect(body.json.error.message).toMatch(/count must be a number\./);

    const query = await invoke(event({ ...valid, query: { mode: 'sideways' } }));
    expect(query.statusCode).toBe(400);
    expect(query.json.error.details[0].field).toBe('mode');

    const path = await invoke(event({ ...valid, path: {} }));
    expect(path.statusCode).toBe(400);
    expect(path.json.error.details[0].field).toBe('thingId');
    expect(seen).toEqual([]);
  });
});

describe('userRoute: the caller', () => {
  it('answers 401 without a sub claim, whatever the body says', async () => {
    const { invoke, seen } = route(null);
    for (const sub of [undefined, '']) {
      const response = await invoke(event({ ...valid, sub, body: '{"name":"a","userId":"someone-else"}' }));
      expect(response.statusCode).toBe(401);
      expect(response.json.error.code).toBe('UNAUTHORIZED');
    }
    expect(seen).toEqual([]);
  });
});

describe('userRoute: the per-user rate limit', () => {
  it('asks the limiter for the caller, and lets an admitted request through', async () => {
    const limiter = new FakeUserRateLimiter();
    const { invoke } = route(limiter);
    expect((await invoke(event(valid))).statusCode).toBe(201);
    expect(limiter.asked).toEqual(['user-1']);
  });

  it('answers 429 RATE_LIMITED with Retry-After when the limiter refuses, before the handler runs', async () => {
    const limiter = new FakeUserRateLimiter({ admitted: false, retryAfterSeconds: 7 });
    const { invoke, seen } = route(limiter);
    const response = await invoke(event(valid));
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('7');
    expect(response.json.error.code).toBe('RATE_LIMITED');
    expect(response.json.error.message).toMatch(/7 s/);
    expect(seen).toEqual([]);
  });

  it('does not spend a stranger’s token: a request without a caller is refused before the limiter', async () => {
    const limiter = new FakeUserRateLimiter();
    await route(limiter).invoke(event({ ...valid, sub: undefined }));
    expect(limiter.asked).toEqual([]);
  });
});

describe('userRoute: errors', () => {
  it('maps an exposed error to its status and the contract’s body', async () => {
    const { invoke } = route(null, async () => {
      throw new ConflictError('A thing of that name exists.');
    });
    const response = await invoke(event(valid));
    expect(response.statusCode).toBe(409);
    expect(response.json).toEqual({ error: { code: 'CONFLICT', message: 'A thing of that name exists.' } });
  });

  it('answers an unexpected error with a generic 500 that tells nothing of the internals', async () => {
    const { invoke } = route(null, async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:8000 (table prod-state)');
    });
    const response = await invoke(event(valid));
    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; try again shortly.' } });
    expect(response.body).not.toMatch(/ECONNREFUSED|prod-state|Error|stack/);
  });

  it('answers a limiter that fails with the same generic 500', async () => {
    const broken: UserRateLimiter = {
      admit: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const response = await route(broken).invoke(event(valid));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/Provisioned/);
  });

  it('tells the API reference which schemas it validates with', () => {
    expect(route(null).handler.validates.body).toBe(thingSchema);
  });
});

describe('userRoute with the DynamoDB limiter', () => {
  let env: TestEngines;
  beforeAll(async () => {
    env = await startTestEngines();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('admits a user’s burst, then answers 429 with Retry-After, leaving other users their own bucket', async () => {
    const limiter = new DynamoUserRateLimiter(0.5, 2, env.resources.tableNames.state, env.documentClient, () => 5_000_000);
    const { invoke } = route(limiter);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await invoke(event({ ...valid, sub: 'busy-user' }))).statusCode);
    expect(statuses).toEqual([201, 201, 429]);
    const refused = await invoke(event({ ...valid, sub: 'busy-user' }));
    expect(refused.headers?.['retry-after']).toBe('2');
    expect((await invoke(event({ ...valid, sub: 'quiet-user' }))).statusCode).toBe(201);
  });
});
