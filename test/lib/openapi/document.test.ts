import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime.ts';
import { buildOpenApiDocument, requestSchema, routeKey, undocumentedRoutes } from '../../../lib/openapi/document.ts';
import { openApiFile, openApiText } from '../../../lib/openapi/file.ts';
import { operations } from '../../../lib/openapi/operations.ts';
import { routes } from '../../../shared/topology.ts';
import { functions } from '../../../shared/function-specs.ts';
import type { RouteSchemas } from '../../../shared/http.ts';
import { createUploadSchema } from '../../../shared/schemas/upload.schema.ts';

type Parameter = { name: string; in: string; required: boolean; schema: unknown };
type OperationObject = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: unknown }> } };
type Document = { paths: Record<string, Record<string, OperationObject>> };

const generated = buildOpenApiDocument() as Document;
const checkedIn = JSON.parse(readFileSync(join(projectRoot, openApiFile), 'utf8')) as Document;
const documentedRoutes = (doc: Document) =>
  Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

let runtime: LocalRuntime;

beforeAll(async () => {
  // The handlers read their configuration at import, as on Lambda: the runtime sets it.
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the API reference (docs/openapi.json)', () => {
  it('is what npm run openapi writes now', () => {
    const fresh = openApiText(buildOpenApiDocument());
    expect(readFileSync(join(projectRoot, openApiFile), 'utf8') === fresh, `${openApiFile} is stale: run npm run openapi and commit it`).toBe(true);
  });

  it('documents every route of the topology', () => {
    expect(undocumentedRoutes(), 'routes missing from the document: add each to lib/openapi/operations.ts, then npm run openapi').toEqual([]);
    expect(documentedRoutes(checkedIn)).toEqual(routes.map(routeKey).sort());
  });

  it('names no route the topology does not have', () => {
    const existing = new Set(routes.map(routeKey));
    expect(
      Object.keys(operations).filter((key) => !existing.has(key)),
      'entries of lib/openapi/operations.ts for routes that do not exist',
    ).toEqual([]);
    expect(documentedRoutes(generated).filter((key) => !existing.has(key))).toEqual([]);
    expect(documentedRoutes(checkedIn).filter((key) => !existing.has(key))).toEqual([]);
  });

  it('shows each route the body, query and path schemas its handler validates with', async () => {
    const checked: string[] = [];
    for (const route of routes.filter((r) => r.auth === 'user')) {
      const mod = (await import(pathToFileURL(join(projectRoot, functions[route.function].entry)).href)) as { handler: { validates?: RouteSchemas } };
      const validates = mod.handler.validates;
      expect(validates, `${routeKey(route)}: its handler is not a userRoute`).toBeDefined();
      const op = checkedIn.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${routeKey(route)} is not in ${openApiFile}`).toBeDefined();

      const documentedBody = op!.requestBody?.content['application/json']?.schema;
      expect(documentedBody, `${routeKey(route)}: request body`).toEqual(validates!.body ? requestSchema(validates!.body) : undefined);
      for (const where of ['query', 'path'] as const) {
        const schema = where === 'query' ? validates!.query : validates!.params;
        const expected = schema ? ((requestSchema(schema) as { properties?: Record<string, unknown> }).properties ?? {}) : {};
        const documented = Object.fromEntries((op!.parameters ?? []).filter((p) => p.in === where).map((p) => [p.name, p.schema]));
        expect(documented, `${routeKey(route)}: ${where} parameters`).toEqual(expected);
      }
      checked.push(routeKey(route));
    }
    expect(checked.length).toBe(routes.filter((r) => r.auth === 'user').length);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(checkedIn) as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('is served by the local runtime at /openapi.json, naming it as the server', async () => {
    const response = await fetch(`${runtime.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(buildOpenApiDocument({ serverUrl: runtime.url }));
  });
});

describe('request schemas in JSON Schema', () => {
  it('keeps what zod cannot express in JSON Schema by itself: whole numbers and enums behind a normalising pipe', () => {
    const upload = requestSchema(createUploadSchema) as { properties: Record<string, { type?: string; enum?: string[] }> };
    expect(upload.properties.size!.type).toBe('integer');
    expect(upload.properties.contentType!.enum).toContain('application/pdf');
  });
});
