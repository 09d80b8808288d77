import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, undocumentedRoutes } from '../lib/openapi/document.ts';
import { openApiFile, openApiText } from '../lib/openapi/file.ts';

// Writes the API reference (docs/openapi.json) from the request schemas and shared/topology.ts.
const path = join(dirname(fileURLToPath(import.meta.url)), '..', openApiFile);
writeFileSync(path, openApiText(buildOpenApiDocument()));
process.stdout.write(`wrote ${openApiFile}\n`);
const missing = undocumentedRoutes();
if (missing.length > 0) {
  process.stderr.write(`not in the document (no entry in lib/openapi/operations.ts): ${missing.join(', ')}\n`);
  process.exitCode = 1;
}
