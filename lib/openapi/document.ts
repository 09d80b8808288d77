import * as z from 'zod/mini';
import { routes, type RouteSpec } from '../../shared/topology.ts';
import { componentSchemas, schemaRef, type JsonSchema } from './components.ts';
import { extraRequestSchemas, operations, type Answer, type Operation } from './operations.ts';

export const OPENAPI_VERSION = '3.1.1';

/** The key a route has in the operations map and in `paths` terms: `METHOD /path`. */
export const routeKey = (route: Pick<RouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

type ZodInternals = {
  _zod: {
    def: { type: string; checks?: ZodInternals[]; check?: string; fn?: unknown; out?: ZodInternals; in?: ZodInternals; entries?: Record<string, string> };
  };
};

/**
 * zod's JSON Schema of what a request may send (`io: 'input'`), with what zod cannot see:
 * a number refined with Number.isInteger is an integer, and a string piped into an enum
 * (trimmed and lower-cased first) lists the enum's values. Other refinements (cross-field
 * checks, phone numbers, time zones) stay in the operation's description.
 */
export function requestSchema(schema: z.ZodMiniType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const def = (zodSchema as unknown as ZodInternals)._zod.def;
      if (def.type === 'number' && def.checks?.some((c) => c._zod.def.check === 'custom' && c._zod.def.fn === Number.isInteger)) {
        jsonSchema.type = 'integer';
      }
      const out = def.type === 'pipe' ? def.out?._zod.def : undefined;
      if (out?.type === 'enum' && out.entries && jsonSchema.type === 'string') jsonSchema.enum = Object.values(out.entries);
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

const errorAnswer = (description: string): Answer => ({ description, schema: schemaRef('Error') });

/** The errors routes share, written once under components.responses. */
const commonErrors = {
  BadRequest: errorAnswer('VALIDATION_ERROR naming every bad field (or INVALID_CURSOR); nothing is written.'),
  Unauthorized: errorAnswer('UNAUTHORIZED: the bearer token is missing or invalid.'),
  BadSignature: errorAnswer('FORBIDDEN: X-Twilio-Signature is missing or wrong; nothing happens.'),
  NotFound: errorAnswer("NOT_FOUND: no such object, or another user's (the two answer alike)."),
  NotJson: errorAnswer('UNSUPPORTED_MEDIA_TYPE: the body was not sent with Content-Type: application/json.'),
  UserRateLimited: {
    ...errorAnswer("RATE_LIMITED: the caller's share of the API (a token bucket per user) is used up; retry after Retry-After seconds."),
    headers: { 'Retry-After': { description: 'Whole seconds until a request will be admitted.', schema: { type: 'integer' } } },
  },
  InternalError: errorAnswer('INTERNAL_ERROR: something failed on the server side; nothing internal is shown.'),
} satisfies Record<string, Answer>;

const answerObject = (a: Answer) => ({
  description: a.description,
  ...(a.headers ? { headers: a.headers } : {}),
  ...(a.schema ? { content: { [a.mediaType ?? 'application/json']: { schema: a.schema } } } : {}),
});

function responses(route: RouteSpec, op: Operation): Record<string, unknown> {
  const answers: Record<number, Answer | keyof typeof commonErrors> = { ...op.answers };
  if (op.body || op.query || op.params || route.auth === 'twilio') answers[400] ??= 'BadRequest';
  if (route.auth === 'user') answers[401] ??= 'Unauthorized';
  if (route.auth === 'twilio') answers[403] ??= 'BadSignature';
  if (route.path.includes('{')) answers[404] ??= 'NotFound';
  if (op.body) answers[415] ??= 'NotJson';
  if (route.auth === 'user') answers[429] ??= 'UserRateLimited';
  answers[500] ??= 'InternalError';
  return Object.fromEntries(
    Object.entries(answers)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, a]) => [status, typeof a === 'string' ? { $ref: `#/components/responses/${a}` } : answerObject(a)]),
  );
}

/** An object schema's properties as OpenAPI parameters of one location. */
function parameters(schema: z.ZodMiniType | undefined, where: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const json = requestSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(route: RouteSpec, op: Operation): Record<string, unknown> {
  const params = [...parameters(op.params, 'path'), ...parameters(op.query, 'query')];
  if (route.auth === 'twilio') {
    params.push({
      name: 'X-Twilio-Signature',
      in: 'header',
      required: true,
      description: "Twilio's HMAC-SHA1 of the public base URL plus the path and the sorted form fields, with the account's auth token.",
      schema: { type: 'string' },
    });
  }
  const bodies = op.body ? [{ mediaType: 'application/json', schema: requestSchema(op.body) }] : (op.rawBody ?? []);
  return {
    operationId: route.function,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security: route.auth === 'user' ? [{ bearer: [] }] : [],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(bodies.length > 0 ? { requestBody: { required: true, content: Object.fromEntries(bodies.map((b) => [b.mediaType, { schema: b.schema }])) } } : {}),
    responses: responses(route, op),
  };
}

export interface DocumentOptions {
  /** Where the API answers; the document names the local runtime's default unless told. */
  serverUrl?: string;
}

/**
 * The API reference as an OpenAPI 3.1 document: every route of shared/topology.ts that has an
 * entry in the operations map, with the zod schemas its handler validates with.
 */
export function buildOpenApiDocument(opts: DocumentOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = operations[routeKey(route)];
    if (!op) continue;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, op);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'twilio-message-system',
      version: '0.1.0',
      description:
        'File-upload notifications, sends and a message store, delivered through Twilio. Errors answer `{"error":{"code","message","details"?}}`; lists answer `{"items","nextCursor"}` with `limit` and an opaque, tamper-checked `cursor`; times are ISO-8601 UTC; phone numbers E.164. Generated from the request schemas by `npm run openapi`.',
    },
    servers: [
      { url: opts.serverUrl ?? 'http://localhost:3000', description: opts.serverUrl ? 'This server' : 'The local runtime (npm start)' },
      ...(opts.serverUrl
        ? []
        : [
            {
              url: '{apiUrl}',
              description: 'The deployed HTTP API (the stack output ApiUrl)',
              variables: { apiUrl: { default: 'https://example.execute-api.us-east-1.amazonaws.com' } },
            },
          ]),
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The user is the token\'s `sub`. Locally, POST /local/token {"userId"} issues one.',
        },
      },
      responses: Object.fromEntries(Object.entries(commonErrors).map(([name, a]) => [name, answerObject(a)])),
      schemas: {
        ...componentSchemas,
        ...Object.fromEntries(Object.entries(extraRequestSchemas).map(([name, schema]) => [name, requestSchema(schema)])),
      },
    },
  };
}

/** Topology routes the operations map has no entry for, so the document leaves them out. */
export const undocumentedRoutes = (): string[] => routes.map(routeKey).filter((key) => !operations[key]);
