/** Where the checked-in API reference lives, relative to the project root (`npm run openapi` writes it). */
export const openApiFile = 'docs/openapi.json';

/** The document as it is written to the file. */
export const openApiText = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;
