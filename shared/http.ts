import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { cursorKey, openCursor, sealCursor } from './cursor.ts';
import { AppError, TooManyRequestsError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from './errors.ts';
import { correlationOf, logger, withCorrelation, withInvocation, type CorrelationKeys } from './logger.ts';
import type { Page, PageRequest, UserRateLimiter } from './ports.ts';
import * as z from 'zod/mini';
import type { ValidationIssues } from './validation.ts';

export type HttpResult = { statusCode: number; headers?: Record<string, string>; body?: string };

/** A JSON response. */
export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export const noContent = (): HttpResult => ({ statusCode: 204 });

/** Turns zod's issues into one sentence per problem, each naming its field. */
export function validationError(error: ValidationIssues, where: string): ValidationError {
  const issues = error.issues.map((i) => ({ field: i.path.map(String).join('.') || where, message: i.message }));
  const message = issues.map(({ field, message }) => (message.startsWith(field.split('.')[0] ?? '') ? message : `${field}: ${message}`)).join(' ');
  return new ValidationError(message, issues);
}

export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}

/** Decodes the body API Gateway passes, which may arrive base64-encoded. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
const isJsonContentType = (value: string | undefined) => /^application\/json\s*(;|$)/i.test(value ?? '');

function jsonBody(event: APIGatewayProxyEventV2): unknown {
  // A form or text/plain body is what a cross-site page can send without a preflight; refuse it.
  if (!isJsonContentType(event.headers?.['content-type'])) {
    throw new UnsupportedMediaTypeError('Send the request body as JSON with the header Content-Type: application/json.');
  }
  const text = rawBody(event);
  if (text.trim() === '') throw new ValidationError('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The request body is not valid JSON.');
  }
}

/** Maps any error to the contract's error body; unexposed ones become a generic 500. */
export const errorResponse = (err: unknown): HttpResult => {
  if (err instanceof AppError && err.expose) {
    const response = json(err.statusCode, {
      error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) },
    });
    if (err instanceof TooManyRequestsError) response.headers = { ...response.headers, 'retry-after': String(err.retryAfterSeconds) };
    return response;
  }
  logger.error('Request failed', err as Error);
  return json(500, { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; try again shortly.' } });
};

/** The one middleware that turns errors into responses. */
export const httpErrors = (): middy.MiddlewareObj<unknown, APIGatewayProxyResultV2> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});

export interface UserRequest<B, Q, P> {
  userId: string;
  body: B;
  query: Q;
  params: P;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
  /** The invocation's context: how long the function may still run, for routes that wait. */
  context: Context;
}

/** The signed-in user: the JWT authorizer's `sub` claim, never a body or query value. */
function userIdOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): string {
  const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError();
  return sub;
}

/** A route wrapper's signature: `userRoute(spec, handler)`. */
export type UserRouteWrapper = ReturnType<typeof userRoutes>;

/**
 * The wrapper of authenticated routes, each request first admitted by `limiter` (resolved on the
 * first request; null limits nothing): header normalisation, the caller's id, the per-user rate
 * limit, zod validation of body, query and path, and error mapping. The handler receives typed,
 * validated input. shared/user-route.ts composes it with the DynamoDB limiter.
 */
export function userRoutes(limiter: () => UserRateLimiter | null) {
  return function userRoute<B extends z.ZodMiniType = z.ZodMiniUndefined, Q extends z.ZodMiniType = z.ZodMiniObject, P extends z.ZodMiniType = z.ZodMiniObject>(
    spec: { body?: B; query?: Q; params?: P },
    fn: (req: UserRequest<z.output<B>, z.output<Q>, z.output<P>>) => Promise<HttpResult>,
  ) {
    const route = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2>()
      .use(httpHeaderNormalizer())
      .use(httpErrors())
      .handler(async (event, context) => {
        const userId = userIdOf(event);
        await admitUser(limiter(), userId);
        const body = spec.body ? parseWith(spec.body, jsonBody(event), 'body') : undefined;
        const query = parseWith(spec.query ?? z.object({}), event.queryStringParameters ?? {}, 'query');
        const params = parseWith(spec.params ?? z.object({}), event.pathParameters ?? {}, 'path');
        return fn({ userId, body, query, params, event, context } as UserRequest<z.output<B>, z.output<Q>, z.output<P>>);
      });
    // The ids in the path (a notification's, a file's) go on every line the request writes; the API
    // reference (lib/openapi) is checked against the schemas a route really validates with.
    return Object.assign(
      logged(route, (event) => correlationOf(event.pathParameters)),
      { validates: spec as RouteSchemas },
    );
  };
}

/** The schemas a user route validates its body, query and path parameters with. */
export interface RouteSchemas {
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  params?: z.ZodMiniType;
}

/**
 * An HTTP handler whose every log line carries the invocation's Lambda context and the
 * correlation keys `keysOf` finds in its event.
 */
export function logged<E, R>(handler: (event: E, context: Context) => Promise<R>, keysOf: (event: E) => CorrelationKeys) {
  return (event: E, context: Context): Promise<R> => withInvocation(context, () => withCorrelation(keysOf(event), () => handler(event, context)));
}

/**
 * Takes one request from the user's bucket, or throws 429 RATE_LIMITED with Retry-After, so one
 * client cannot use up the API the other users share.
 */
async function admitUser(limiter: UserRateLimiter | null, userId: string): Promise<void> {
  if (!limiter) return;
  const outcome = await limiter.admit(userId);
  if (!outcome.admitted) {
    throw new TooManyRequestsError(`Too many requests from this user; try again in ${outcome.retryAfterSeconds} s.`, outcome.retryAfterSeconds);
  }
}

/** `limit`: a whole number from 1 to 100, `fallback` when absent. */
export const limitParam = (fallback: number) =>
  z._default(
    z.coerce
      .number({ error: 'limit must be a number from 1 to 100.' })
      .check(z.refine(Number.isInteger, 'limit must be a whole number.'), z.gte(1, 'limit must be at least 1.'), z.lte(100, 'limit must be at most 100.')),
    fallback,
  );

/** `limit` and `cursor`, as every list route takes them. */
export const pageQuery = {
  limit: limitParam(20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
};

/** The query of a list with no filters: `limit` and `cursor`, nothing else. */
export const pageOnlyQuery = z.strictObject(pageQuery);

/**
 * Runs a paged query with a tamper-checked cursor bound to the user and the filters, and
 * answers the contract's `{"items","nextCursor"}`.
 */
export async function pagedList<T, R>(
  userId: string,
  list: string,
  query: { limit: number; cursor?: string; [filter: string]: unknown },
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
  present: (item: T) => R | Promise<R>,
  /** Fields the list's contract answers besides `items` and `nextCursor` (such as `limit`, `offset`). */
  extra: Record<string, unknown> = {},
): Promise<HttpResult> {
  const { limit, cursor, ...filters } = query;
  const binding = { userId, query: JSON.stringify([list, Object.entries(filters).sort()]) };
  const key = await cursorKey();
  const startKey = cursor ? openCursor(key, cursor, binding) : undefined;
  const page = await fetchPage({ limit, startKey });
  const items = await Promise.all(page.items.map(present));
  return json(200, { items, ...extra, nextCursor: page.lastKey ? sealCursor(key, page.lastKey, binding) : null });
}

/** The raw bytes of the request body, whether API Gateway passed it as text or base64. */
export function binaryBody(event: APIGatewayProxyEventV2): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * The uploaded file's bytes: the raw body, or the one `file` part of a `multipart/form-data`
 * body (parsed by the runtime's own fetch implementation).
 */
export async function uploadedBytes(event: APIGatewayProxyEventV2): Promise<Buffer> {
  const body = binaryBody(event);
  const contentType = event.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) return body;
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ValidationError('The multipart/form-data body could not be read; send one part named "file".');
  }
  const files = form.getAll('file');
  const file = files[0];
  if (files.length !== 1 || typeof file === 'string' || file === undefined) {
    throw new ValidationError('Send exactly one part named "file" holding the image.');
  }
  return Buffer.from(await file.arrayBuffer());
}
